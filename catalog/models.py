from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.text import slugify

from .ingest.images import validate_image_format
from .titles import sort_key


class Genre(models.Model):
    name = models.CharField(max_length=50, unique=True)
    slug = models.SlugField(max_length=60, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if not self.slug:
            self.slug = slugify(self.name)
        super().save(*args, **kwargs)


# Below this many ratings a mean says little; such films rank after the rest when sorting by rating.
RATING_SORT_MIN_COUNT = 50


def film_sort_orders() -> dict[str, tuple]:
    """The browse page's orders (catalog.selectors.film_browse), each served by an index of Film below: a page
    of a filtered catalogue is then read in order until it is full, not sorted out of every match."""
    well_rated = models.Case(
        models.When(rating_count__gte=RATING_SORT_MIN_COUNT, then=models.Value(1)), default=models.Value(0)
    )
    # A film under a rating brigade ranks by its manipulation-resistant mean (set only while it is flagged).
    shown_mean = Coalesce("rating_robust_mean", "rating_mean")
    return {
        "popularity": (models.F("rating_count").desc(), models.F("id").asc()),
        "rating": (
            well_rated.desc(),
            shown_mean.desc(nulls_last=True),
            models.F("rating_count").desc(),
            models.F("id").asc(),
        ),
        "newest": (models.F("year").desc(nulls_last=True), models.F("sort_title").asc(), models.F("id").asc()),
        "oldest": (models.F("year").asc(nulls_last=True), models.F("sort_title").asc(), models.F("id").asc()),
        "title": (models.F("sort_title").asc(), models.F("id").asc()),
    }


class Film(models.Model):
    # The display form ("The Bridge on the River Kwai"); the other forms are AlternativeTitles.
    title = models.CharField(max_length=300)
    # The original-language title when the source gives one ("Shichinin no samurai"), else empty.
    original_title = models.CharField(max_length=300, blank=True)
    # Where the title sorts, leading article and case ignored (catalog.titles.sort_key); kept by save().
    sort_title = models.CharField(max_length=300, blank=True, db_index=True, editable=False)
    year = models.SmallIntegerField(null=True, blank=True, db_index=True)
    release_date = models.DateField(null=True, blank=True)
    runtime_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    certificate = models.CharField(max_length=20, blank=True, help_text="MPAA rating or local certificate.")
    plot = models.TextField(blank=True)
    language = models.CharField(max_length=50, blank=True)
    movielens_id = models.IntegerField(unique=True, null=True, blank=True)
    imdb_id = models.CharField(max_length=12, unique=True, null=True, blank=True, help_text="With the tt prefix.")
    tmdb_id = models.IntegerField(unique=True, null=True, blank=True)
    genres = models.ManyToManyField(Genre, related_name="films", blank=True)
    # From TMDb (catalog.tmdb.sync): the tagline, ISO 639-1 original language, ISO 3166 production countries,
    # keywords, and the YouTube key of the official trailer (played click-to-load from youtube-nocookie.com).
    tagline = models.CharField(max_length=500, blank=True)
    original_language = models.CharField(max_length=10, blank=True)
    countries = ArrayField(models.CharField(max_length=2), default=list, blank=True)
    keywords = models.ManyToManyField("Keyword", related_name="films", blank=True)
    trailer_youtube_key = models.CharField(max_length=20, blank=True)
    # When TMDb's details were last stored (null: never): `sync_tmdb --enrich` resumes with the films without.
    tmdb_synced_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # When OMDb was last asked for critics' scores (null: never); see CriticScore.
    omdb_synced_at = models.DateTimeField(null=True, blank=True)
    # The image shown on cards; chosen among the film's images (the first poster, unless staff pick another).
    poster = models.ForeignKey("FilmImage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Denormalised from ratings (refreshed by catalog.services.stats.film_stats_refresh) so lists sort cheaply.
    rating_count = models.PositiveIntegerField(default=0, db_index=True)
    rating_mean = models.FloatField(null=True, blank=True)
    # Set by the rating-integrity check while ratings from a suspected brigade are left out (else null):
    # the film page shows it and "highest rated" sorts by it instead of the plain mean.
    rating_robust_mean = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["sort_title", "id"]
        indexes = [
            GinIndex(fields=["title"], opclasses=["gin_trgm_ops"], name="film_title_trgm"),
            models.Index(fields=["-rating_count", "id"], name="film_popularity"),
            models.Index(fields=["-rating_mean"], name="film_rating_mean"),
            models.Index(*film_sort_orders()["rating"], name="film_rating_order"),
            models.Index(*film_sort_orders()["newest"], name="film_newest_order"),
            models.Index(*film_sort_orders()["oldest"], name="film_oldest_order"),
            models.Index(*film_sort_orders()["title"], name="film_title_order"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.year})" if self.year else self.title

    def save(self, *args, **kwargs) -> None:
        # A derived column, like a slug: whoever sets the title (admin, a test, a service) gets it sorted
        # right. Bulk writes (the MovieLens import) set it themselves.
        self.sort_title = sort_key(self.title)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "title" in update_fields:
            kwargs["update_fields"] = {*update_fields, "sort_title"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("catalog:film_detail", args=[self.pk])

    @property
    def decade(self) -> int | None:
        return self.year // 10 * 10 if self.year else None

    @property
    def imdb_url(self) -> str:
        return f"https://www.imdb.com/title/{self.imdb_id}/" if self.imdb_id else ""


class AlternativeTitle(models.Model):
    """Another title a film is known by: its catalogue form in a data set ("Godfather, The"), a title given
    in parentheses, an "a.k.a." or a localised title. Search and import matching look at these too."""

    film = models.ForeignKey(Film, on_delete=models.CASCADE, related_name="alternative_titles")
    title = models.CharField(max_length=300)
    source = models.CharField(
        max_length=20, help_text='Where it comes from: "movielens", "parenthesised", "aka", "tmdb".'
    )
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166 code where the title is regional.")

    class Meta:
        ordering = ["film", "source", "id"]
        constraints = [
            models.UniqueConstraint(fields=["film", "source", "title"], name="unique_alternative_title"),
        ]
        indexes = [GinIndex(fields=["title"], opclasses=["gin_trgm_ops"], name="alternative_title_trgm")]

    def __str__(self) -> str:
        return f"{self.title} ({self.source})"


class Person(models.Model):
    name = models.CharField(max_length=200)
    # Lower-cased, accent- and space-normalised name: people are deduplicated on it.
    name_key = models.CharField(max_length=200, unique=True)
    imdb_id = models.CharField(max_length=12, unique=True, null=True, blank=True)
    tmdb_id = models.IntegerField(unique=True, null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "people"
        indexes = [GinIndex(fields=["name"], opclasses=["gin_trgm_ops"], name="person_name_trgm")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("catalog:person_detail", args=[self.pk])


class Credit(models.Model):
    class Role(models.TextChoices):
        DIRECTOR = "director", "Director"
        WRITER = "writer", "Writer"
        CAST = "cast", "Cast"
        # Everyone else behind the camera, with TMDb's job ("Director of Photography", "Editor", ...).
        CREW = "crew", "Crew"

    film = models.ForeignKey(Film, on_delete=models.CASCADE, related_name="credits")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="credits")
    role = models.CharField(max_length=10, choices=Role.choices)
    character = models.CharField(max_length=200, blank=True)
    job = models.CharField(max_length=100, blank=True, help_text='For crew: TMDb\'s job, e.g. "Editor".')
    order = models.PositiveSmallIntegerField(default=0, help_text="Billing order within the role.")

    class Meta:
        ordering = ["role", "order"]
        constraints = [models.UniqueConstraint(fields=["film", "person", "role", "job"], name="unique_credit_job")]
        indexes = [models.Index(fields=["person", "role"])]

    def __str__(self) -> str:
        return f"{self.person} – {self.get_role_display()} – {self.film}"


def film_image_path(image: FilmImage, filename: str) -> str:
    # Content-addressed: the same bytes are stored once whatever they are called.
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "jpg"
    return f"images/{image.content_hash[:2]}/{image.content_hash}.{extension}"


class FilmImage(models.Model):
    class Kind(models.TextChoices):
        POSTER = "poster", "Poster"
        BACKDROP = "backdrop", "Backdrop"
        STILL = "still", "Still"
        FRAME = "frame", "Trailer frame"

    film = models.ForeignKey(Film, on_delete=models.CASCADE, related_name="images")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.POSTER)
    file = models.ImageField(
        upload_to=film_image_path,
        width_field="width",
        height_field="height",
        max_length=200,
        validators=[validate_image_format],
    )
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    content_hash = models.CharField(max_length=64, help_text="SHA-256 of the file's bytes.")
    source = models.CharField(max_length=300, blank=True, help_text="Where the image came from (path or URL).")
    timestamp_seconds = models.FloatField(null=True, blank=True, help_text="For frames: position in the video.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["film", "kind", "id"]
        constraints = [models.UniqueConstraint(fields=["film", "content_hash"], name="unique_film_image")]
        indexes = [models.Index(fields=["content_hash"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.film_id}"


class StaffPickList(models.Model):
    """A list curated by staff in admin; the featured ones appear on the home page."""

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    is_featured = models.BooleanField(default=True, help_text="Show on the home page.")
    position = models.PositiveSmallIntegerField(default=0)
    films = models.ManyToManyField(Film, through="StaffPick", related_name="staff_lists")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "-created_at"]

    def __str__(self) -> str:
        return self.title


class StaffPick(models.Model):
    staff_list = models.ForeignKey(StaffPickList, on_delete=models.CASCADE, related_name="picks")
    film = models.ForeignKey(Film, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["staff_list", "film"], name="unique_staff_pick")]

    def __str__(self) -> str:
        return f"{self.film_id} in {self.staff_list_id}"


class Tag(models.Model):
    """A free-text tag from a data set (MovieLens tags.csv), lower-cased and space-normalised."""

    name = models.CharField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class FilmTag(models.Model):
    """How many times a tag was applied to a film (MovieLens keeps one row per member; we keep the count)."""

    film = models.ForeignKey(Film, on_delete=models.CASCADE, related_name="film_tags")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="film_tags")
    count = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["film", "-count", "tag"]
        constraints = [models.UniqueConstraint(fields=["film", "tag"], name="unique_film_tag")]
        indexes = [models.Index(fields=["tag", "-count"])]

    def __str__(self) -> str:
        return f"{self.tag} ×{self.count} on {self.film_id}"


class ApiRateBucket(models.Model):
    """A token bucket shared by every process (catalog.tmdb.ratelimit): one row per external API."""

    name = models.CharField(max_length=50, primary_key=True)
    tokens = models.FloatField()
    refilled_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name}: {self.tokens:.1f} tokens"


class Keyword(models.Model):
    """A TMDb keyword ("dystopia", "heist")."""

    tmdb_id = models.IntegerField(unique=True)
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class FilmRelease(models.Model):
    """A release of a film in one country, with its certification there (TMDb's release_dates)."""

    class Kind(models.IntegerChoices):  # TMDb's release types
        PREMIERE = 1, "Premiere"
        THEATRICAL_LIMITED = 2, "Theatrical (limited)"
        THEATRICAL = 3, "Theatrical"
        DIGITAL = 4, "Digital"
        PHYSICAL = 5, "Physical"
        TV = 6, "TV"

    film = models.ForeignKey(Film, on_delete=models.CASCADE, related_name="releases")
    country = models.CharField(max_length=2, help_text="ISO 3166-1 code.")
    release_date = models.DateField(null=True, blank=True)
    kind = models.PositiveSmallIntegerField(choices=Kind.choices, null=True, blank=True)
    certification = models.CharField(max_length=20, blank=True)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["film", "country", "release_date", "id"]
        indexes = [models.Index(fields=["film", "country"])]

    def __str__(self) -> str:
        return f"{self.film_id} in {self.country} on {self.release_date}"


class CriticScore(models.Model):
    """A critics' or audience score from OMDb (catalog.omdb): shown beside our own average with its source."""

    class Source(models.TextChoices):
        IMDB = "imdb", "IMDb"
        ROTTEN_TOMATOES = "rotten_tomatoes", "Rotten Tomatoes"
        METACRITIC = "metacritic", "Metacritic"

    film = models.ForeignKey(Film, on_delete=models.CASCADE, related_name="critic_scores")
    source = models.CharField(max_length=20, choices=Source.choices)
    value = models.CharField(max_length=20, help_text='As the source writes it: "8.8/10", "87%", "74/100".')
    score = models.PositiveSmallIntegerField(help_text="The same on a 0-100 scale, for sorting.")
    fetched_at = models.DateTimeField()

    class Meta:
        ordering = ["film", "source"]
        constraints = [models.UniqueConstraint(fields=["film", "source"], name="unique_critic_score")]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.value} for {self.film_id}"


# --- where to stream (TMDb's watch providers, data by JustWatch) ---------------------------------------


class WatchProvider(models.Model):
    """A streaming, rental or sales service, keyed by TMDb's provider_id."""

    id = models.PositiveIntegerField(primary_key=True, help_text="TMDb's provider_id.")
    name = models.CharField(max_length=100)
    logo_path = models.CharField(max_length=200, blank=True, help_text="TMDb image path, e.g. /abc.jpg")
    display_priority = models.PositiveIntegerField(default=1000)

    class Meta:
        ordering = ["display_priority", "name"]

    def __str__(self) -> str:
        return self.name


class WatchProviderRegion(models.Model):
    """A provider offered in a country (TMDb's /watch/providers/movie?watch_region=), for members to choose."""

    provider = models.ForeignKey(WatchProvider, on_delete=models.CASCADE, related_name="regions")
    country = models.CharField(max_length=2)
    display_priority = models.PositiveIntegerField(default=1000)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["country", "provider"], name="unique_provider_region")]

    def __str__(self) -> str:
        return f"{self.provider_id} in {self.country}"


class Availability(models.TextChoices):
    """TMDb's kinds of offer, under the keys its watch-providers response uses."""

    FLATRATE = "flatrate", "Subscription"
    FREE = "free", "Free"
    ADS = "ads", "Free with ads"
    RENT = "rent", "Rent"
    BUY = "buy", "Buy"


# Kinds a member can watch without paying per film: on their subscriptions, or free.
STREAM_KINDS = (Availability.FLATRATE, Availability.FREE, Availability.ADS)
FREE_KINDS = (Availability.FREE, Availability.ADS)
PAY_KINDS = (Availability.RENT, Availability.BUY)


class FilmAvailability(models.Model):
    """A film offered by a provider in a country, in one kind (subscription, free, ads, rent, buy)."""

    film = models.ForeignKey(Film, on_delete=models.CASCADE, related_name="availability")
    country = models.CharField(max_length=2)
    provider = models.ForeignKey(WatchProvider, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=Availability.choices)
    display_priority = models.PositiveIntegerField(default=1000)

    class Meta:
        constraints = [
            # Also the index of the "on my services" / "free to stream" EXISTS probe: film, country first.
            models.UniqueConstraint(fields=["film", "country", "kind", "provider"], name="unique_film_availability"),
        ]
        # "On my services" from the providers' side (counting the matches): film ids from the index alone.
        indexes = [models.Index(fields=["country", "provider", "kind", "film"], name="availability_by_provider")]

    def __str__(self) -> str:
        return f"{self.film_id} on {self.provider_id} ({self.kind}) in {self.country}"


class FilmWatchRegion(models.Model):
    """TMDb's watch page for a film in a country (the link to show beside its providers)."""

    film = models.ForeignKey(Film, on_delete=models.CASCADE, related_name="watch_regions")
    country = models.CharField(max_length=2)
    link = models.URLField(max_length=500, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["film", "country"], name="unique_film_watch_region")]

    def __str__(self) -> str:
        return f"{self.film_id} in {self.country}"


class FilmProvidersFetch(models.Model):
    """When a film's providers were last fetched, and whether a refresh is already queued."""

    film = models.OneToOneField(Film, on_delete=models.CASCADE, primary_key=True, related_name="providers_fetch")
    fetched_at = models.DateTimeField(null=True, blank=True)
    # Set when a page view queues a refresh (claimed with a conditional UPDATE, so one view queues it once).
    queued_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return f"providers of {self.film_id} fetched {self.fetched_at}"


class MemberService(models.Model):
    """A streaming service a member subscribes to (the "on my services" filter and alerts use these)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="streaming_services")
    provider = models.ForeignKey(WatchProvider, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "provider"], name="unique_member_service")]

    def __str__(self) -> str:
        return f"{self.user_id} has {self.provider_id}"
