from __future__ import annotations

import csv
import datetime
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from reviews import letterboxd_parse, services
from reviews.letterboxd import export_member, import_archive
from reviews.letterboxd_parse import LetterboxdError
from reviews.models import DiaryEntry, LetterboxdImport, Rating, Review, WatchlistEntry
from tests.factories import make_film

pytestmark = pytest.mark.django_db

HEAD = "Date,Name,Year,Letterboxd URI"
FILES = {
    "watched.csv": [
        HEAD,
        "2023-01-02,Alien,1979,https://boxd.it/2b0k",
        "2023-01-03,Heat,1995,https://boxd.it/2a1q",
        "2023-02-10,Amélie,2001,https://boxd.it/1Zx8",
    ],
    "ratings.csv": [
        f"{HEAD},Rating",
        "2023-01-02,Alien,1979,https://boxd.it/2b0k,4.5",
        "2023-03-01,Heat,1995,https://boxd.it/2a1q,4",
    ],
    "diary.csv": [
        f"{HEAD},Rating,Rewatch,Tags,Watched Date",
        '2023-01-02,Alien,1979,https://boxd.it/dA1,4.5,,"cinema, 35mm",2023-01-01',
        "2023-01-03,Heat,1995,https://boxd.it/dA2,3.5,Yes,,2023-01-03",
        "2023-02-10,Amélie,2001,https://boxd.it/dA3,,,,2023-02-09",
    ],
    "reviews.csv": [
        f"{HEAD},Rating,Rewatch,Review,Tags,Watched Date",
        '2023-01-02,Alien,1979,https://boxd.it/dA1,4.5,,"In space, no one can hear you scream.\n\nStill great.","cinema, 35mm",2023-01-01',
    ],
    "watchlist.csv": [
        HEAD,
        "2023-04-01,Solaris,1972,https://boxd.it/1o0e",
        "2023-04-02,Not In Catalogue,1901,https://boxd.it/zzzz",
    ],
}


def make_zip(files: dict[str, list[str] | str | bytes], *, compression=zipfile.ZIP_DEFLATED) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in files.items():
            if isinstance(content, list):
                content = "\n".join(content) + "\n"
            archive.writestr(name, content)
    buffer.seek(0)
    return buffer


def rows_of(zip_bytes: bytes) -> dict[str, list[tuple[str, ...]]]:
    with zipfile.ZipFile(io.BytesIO(zip_bytes)) as archive:
        return {
            name: sorted(tuple(row) for row in csv.reader(io.StringIO(archive.read(name).decode())))
            for name in archive.namelist()
        }


@pytest.fixture
def films(db):
    return {
        "alien": make_film("Alien", year=1979),
        "heat": make_film("Heat", year=1995),
        "amelie": make_film("Amelie", year=2001, original_title="Le Fabuleux Destin d'Amélie Poulain"),
        "solaris": make_film("Solaris", year=1972),
    }


def test_import_creates_everything_and_reports_unmatched(alice, films):
    report = import_archive(user=alice, upload=make_zip(FILES))
    assert report["files"]["watchlist.csv"] == {"rows": 2, "matched": 1, "unmatched": 1}
    [entry] = report["unmatched"]
    assert (entry["name"], entry["year"], entry["file"]) == ("Not In Catalogue", 1901, "watchlist.csv")
    assert [row["line"] for row in entry["rows"]] == [3] and entry["resolved_film"] is None
    assert Rating.objects.filter(user=alice, stars__isnull=False).count() == 2
    assert Rating.objects.filter(user=alice).count() == 3  # Amélie watched, not rated
    entry = DiaryEntry.objects.get(user=alice, film=films["alien"])
    assert entry.tags == ["cinema", "35mm"] and entry.review.text.startswith("In space")
    assert DiaryEntry.objects.get(film=films["heat"]).rewatch
    assert WatchlistEntry.objects.get(user=alice).film == films["solaris"]
    films["heat"].refresh_from_db()
    assert films["heat"].rating_count == 1 and films["heat"].rating_mean == 4.0


@pytest.mark.parametrize("private", [False, True])
def test_imported_viewings_and_reviews_follow_the_private_by_default_setting(alice, bob, films, private):
    """'Make new diary entries private' covers an import as it covers the log form and the API; the member's own
    export still holds everything."""
    from reviews.selectors import visible_reviews

    alice.diary_private_by_default = private
    alice.save(update_fields=["diary_private_by_default"])
    import_archive(user=alice, upload=make_zip(FILES))
    entries = DiaryEntry.objects.filter(user=alice)
    assert entries.count() == 3 and {entry.is_private for entry in entries} == {private}
    review = Review.objects.get(user=alice)
    assert review.is_private is private
    assert visible_reviews(viewer=bob).filter(pk=review.pk).exists() is not private
    assert len(rows_of(export_member(user=alice))["diary.csv"]) == 4  # header + 3 viewings


def test_reimport_merges_instead_of_duplicating(alice, films):
    import_archive(user=alice, upload=make_zip(FILES))
    counts = (
        Rating.objects.count(),
        DiaryEntry.objects.count(),
        Review.objects.count(),
        WatchlistEntry.objects.count(),
    )
    report = import_archive(user=alice, upload=make_zip(FILES))
    assert sum(report["created"].values()) == 0
    assert (
        Rating.objects.count(),
        DiaryEntry.objects.count(),
        Review.objects.count(),
        WatchlistEntry.objects.count(),
    ) == counts


def test_round_trip_gives_identical_rows(alice, films):
    files = {name: rows for name, rows in FILES.items()}
    files["watchlist.csv"] = FILES["watchlist.csv"][:2]  # only films we can match can come back
    files["watched.csv"] = [*FILES["watched.csv"]]
    files["watched.csv"][3] = "2023-02-10,Amelie,2001,https://boxd.it/1Zx8"
    files["diary.csv"] = [*FILES["diary.csv"]]
    files["diary.csv"][3] = "2023-02-10,Amelie,2001,https://boxd.it/dA3,,,,2023-02-09"
    original = make_zip(files).getvalue()
    import_archive(user=alice, upload=io.BytesIO(original))
    assert rows_of(export_member(user=alice)) == rows_of(original)


def test_matching_by_tmdb_and_imdb_ids_before_titles(alice, films):
    other = make_film("Completely Different Title", year=1999, tmdb_id=603, imdb_id="tt0133093")
    archive = make_zip(
        {
            "ratings.csv": [
                "Date,Name,Year,Letterboxd URI,Rating,tmdbID,imdbID",
                "2023-01-01,The Matrix,1999,https://boxd.it/x,5,603,",
                "2023-01-01,Matrix,1999,https://boxd.it/y,5,,tt0133093",
            ]
        }
    )
    report = import_archive(user=alice, upload=archive)
    assert report["files"]["ratings.csv"]["matched"] == 2
    assert Rating.objects.get(user=alice).film == other


def test_title_matching_handles_movielens_article_suffix(alice):
    matrix = make_film("Matrix, The", year=1999)
    import_archive(user=alice, upload=make_zip({"watched.csv": [HEAD, "2023-01-01,The Matrix,1999,u"]}))
    assert Rating.objects.get(user=alice).film == matrix


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"ratings.csv": [HEAD, "2023-01-01,Alien,1979,u"]}, "lacks the column Rating"),
        ({"ratings.csv": [f"{HEAD},Rating", "2023-01-01,Alien,1979,u,11"]}, "not a rating"),
        (
            {"diary.csv": [f"{HEAD},Rating,Rewatch,Tags,Watched Date", "yesterday,Alien,1979,u,4,,,2023-01-01"]},
            "not a date",
        ),
        ({"watched.csv": [HEAD, "2023-01-01,Alien,1979"]}, "3 columns"),
        ({"watched.csv": [HEAD, '2023-01-01,"Alien,1979,u']}, "malformed CSV"),
        ({"watched.csv": b"\xff\xfe\x00bad"}, "not a UTF-8"),
    ],
)
def test_malformed_or_wrong_files_are_refused_and_nothing_is_imported(alice, films, files, message):
    good = {"watchlist.csv": FILES["watchlist.csv"]}
    with pytest.raises(LetterboxdError, match=message):
        import_archive(user=alice, upload=make_zip({**good, **files}))
    assert not WatchlistEntry.objects.exists() and not Rating.objects.exists()


def test_a_zip_of_wrong_files_is_refused(alice):
    with pytest.raises(LetterboxdError, match="No Letterboxd files"):
        import_archive(user=alice, upload=make_zip({"notes.txt": "hello", "picture.png": b"\x89PNG"}))


def test_not_a_zip_is_refused(alice):
    with pytest.raises(LetterboxdError, match="not a zip"):
        import_archive(user=alice, upload=io.BytesIO(b"Date,Name\n"))


def test_a_100_mb_decompression_bomb_is_refused_before_unpacking(alice, films, monkeypatch):
    bomb = io.BytesIO()
    chunk = b"0" * (1024 * 1024)
    with (
        zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open("ratings.csv", "w", force_zip64=True) as member,
    ):
        for _ in range(100):
            member.write(chunk)
    assert len(bomb.getvalue()) < 1024 * 1024
    read = []
    monkeypatch.setattr(letterboxd_parse, "_read_member", lambda *a: read.append(a) or "")
    with pytest.raises(LetterboxdError, match="unpack to 105 MB"):
        import_archive(user=alice, upload=bomb)
    assert read == []


def test_a_small_but_suspiciously_compressed_member_is_refused(alice, films):
    archive = make_zip({"watched.csv": [HEAD] + ["2023-01-01,Alien,1979,u"] * 200_000})
    with pytest.raises(LetterboxdError, match="zip bomb"):
        import_archive(user=alice, upload=archive)


def test_a_member_lying_about_its_size_is_refused(alice, monkeypatch):
    monkeypatch.setattr(letterboxd_parse, "MAX_UNCOMPRESSED_BYTES", 1000)
    archive = make_zip({"watched.csv": [HEAD] + [f"2023-01-01,Film {n},1979,u" for n in range(30)]})
    with zipfile.ZipFile(archive) as opened:
        info = opened.getinfo("watched.csv")
    info.file_size = 10  # a forged header
    with zipfile.ZipFile(archive) as opened, pytest.raises(LetterboxdError, match="damaged|larger than it claims"):
        letterboxd_parse._read_member(opened, info)


# --- pages and the job --------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_upload_page_queues_a_job_and_the_worker_imports(client, alice, films, stub_broker, stub_worker):
    client.force_login(alice)
    upload = SimpleUploadedFile("letterboxd.zip", make_zip(FILES).getvalue(), content_type="application/zip")
    response = client.post(reverse("reviews:letterboxd_import"), {"file": upload})
    record = LetterboxdImport.objects.get()
    assert response.status_code == 302 and response["Location"] == record.get_absolute_url()
    stub_broker.join("imports")
    stub_worker.join()
    record.refresh_from_db()
    assert record.state == LetterboxdImport.State.DONE, record.report
    assert record.report["created"]["diary entries"] == 3
    html = client.get(record.get_absolute_url()).content.decode()
    assert "Not In Catalogue" in html


def test_upload_page_refuses_a_bad_zip_at_once(client, alice):
    client.force_login(alice)
    upload = SimpleUploadedFile("x.zip", b"not a zip", content_type="application/zip")
    response = client.post(reverse("reviews:letterboxd_import"), {"file": upload})
    assert response.status_code == 400 and "not a zip file" in response.content.decode()
    assert not LetterboxdImport.objects.exists()


def test_import_pages_are_private(client, alice, bob):
    record = LetterboxdImport.objects.create(user=alice, file="imports/x.zip")
    assert client.get(reverse("reviews:letterboxd_import")).status_code == 302
    client.force_login(bob)
    assert client.get(record.get_absolute_url()).status_code == 404
    assert client.post(reverse("reviews:letterboxd_export")).status_code == 405


def test_export_download(client, alice, films):
    import_archive(user=alice, upload=make_zip(FILES))
    client.force_login(alice)
    response = client.get(reverse("reviews:letterboxd_export"))
    assert response["Content-Type"] == "application/zip"
    assert set(rows_of(response.content)) == set(FILES)


@pytest.mark.parametrize("viewer", ["member", "anonymous"])
def test_a_private_review_imported_onto_a_public_viewing_is_not_linked_from_the_diary(
    client, alice, bob, films, viewer
):
    """Viewings imported in public, then their reviews imported after the member made new entries private: the
    public diary must not point others at the private review (its address says that it exists)."""
    import_archive(user=alice, upload=make_zip({"diary.csv": FILES["diary.csv"]}))
    alice.diary_private_by_default = True
    alice.save(update_fields=["diary_private_by_default"])
    import_archive(user=alice, upload=make_zip({"reviews.csv": FILES["reviews.csv"]}))
    review = Review.objects.get(user=alice)
    entry = DiaryEntry.objects.get(user=alice, film=films["alien"])
    assert review.is_private and not entry.is_private and entry.review == review
    public = services.diary_log(
        user=alice, film=films["heat"], watched_on=datetime.date(2023, 5, 1), review_text="Public", is_private=False
    ).review
    if viewer == "member":
        client.force_login(bob)
    html = client.get(reverse("reviews:diary", args=["alice"])).content.decode()
    assert "Alien" in html and review.get_absolute_url() not in html
    assert public.get_absolute_url() in html
    client.force_login(alice)
    assert review.get_absolute_url() in client.get(reverse("reviews:diary", args=["alice"])).content.decode()
