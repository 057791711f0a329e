"""Existing films: display titles, their other forms as alternative titles, and sort titles."""

from __future__ import annotations

from django.db import migrations

from catalog.titles import normalise_title, parse_movielens_title, sort_key

BATCH = 2000


def forwards(apps, schema_editor):
    Film = apps.get_model("catalog", "Film")
    AlternativeTitle = apps.get_model("catalog", "AlternativeTitle")
    films = Film.objects.order_by("id").only("id", "title", "original_title", "sort_title")
    changed, alternatives = [], []
    for film in films.iterator(chunk_size=BATCH):
        parsed = parse_movielens_title(film.title)
        forms = {(alternative.title, alternative.source) for alternative in parsed.alternatives}
        title, original = parsed.title or film.title, film.original_title or parsed.original_title
        if original and normalise_title(original) == normalise_title(title):
            # Earlier imports kept the MovieLens form ("Matrix, The") as the original title.
            if original != title:
                forms.add((original, "movielens"))
            original = ""
        elif "/" in original:
            # Earlier imports kept "a.k.a. Alice, Sweet Alice/Holy Terror" whole: several other titles.
            forms.update((part.strip(), "aka") for part in original.split("/") if part.strip())
            original = ""
        elif original:
            forms.add((original, "parenthesised"))
        forms.discard((title, "movielens"))
        alternatives += [AlternativeTitle(film_id=film.id, title=text, source=source) for text, source in forms]
        new = (title, original, sort_key(title))
        if new != (film.title, film.original_title, film.sort_title):
            film.title, film.original_title, film.sort_title = new
            changed.append(film)
        if len(changed) >= BATCH:
            Film.objects.bulk_update(changed, ["title", "original_title", "sort_title"])
            changed.clear()
    Film.objects.bulk_update(changed, ["title", "original_title", "sort_title"], batch_size=BATCH)
    AlternativeTitle.objects.bulk_create(alternatives, batch_size=BATCH, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0003_alternative_titles_and_sort_title")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
