from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from pgvector.django import HalfVectorField, HnswIndex, VectorField

from .palette import PALETTE_VECTOR_DIM, hex_to_lab

# CLIP image embeddings are stored at this width (ViT-B/32 and ViT-B/16 project to 512). A checkpoint with
# another projection size is refused with a clear message rather than stored in a column it does not fit.
CLIP_DIM = 512
TEXT_DIM = 384  # all-MiniLM-L6-v2
REVIEW_TEXT_CHARS = 1500  # of a film's public reviews, oldest first: its review text, embedded and quoted from


class ImageAesthetics(models.Model):
    """What the pixel and visual-semantic signals know about one catalogue image."""

    class Status(models.TextChoices):
        DONE = "done", "Analysed"
        FAILED = "failed", "Failed"

    image = models.OneToOneField("catalog.FilmImage", on_delete=models.CASCADE, related_name="aesthetics")
    # Denormalised from the image so searches aggregate images to films without a join.
    film = models.ForeignKey("catalog.Film", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DONE)
    error = models.CharField(max_length=500, blank=True, help_text="Why the image could not be analysed.")
    palette = models.JSONField(default=list, blank=True, help_text='[{"hex", "lab": [L, a, b], "share"}, …]')
    brightness = models.FloatField(null=True, blank=True)
    contrast = models.FloatField(null=True, blank=True)
    saturation = models.FloatField(null=True, blank=True)
    colourfulness = models.FloatField(null=True, blank=True)
    warmth = models.FloatField(null=True, blank=True)
    monochrome = models.FloatField(null=True, blank=True)
    neon = models.FloatField(
        null=True, blank=True, help_text="Glowing cyan/magenta/pink/blue light on a dark image (palette.py)."
    )
    greyscale = models.FloatField(
        null=True, blank=True, help_text="Share of the image with no colour at all: black and white (palette.py)."
    )
    palette_vector = VectorField(dimensions=PALETTE_VECTOR_DIM, null=True, blank=True)
    clip_vector = HalfVectorField(dimensions=CLIP_DIM, null=True, blank=True)
    clip_model = models.CharField(max_length=300, blank=True, help_text="Checkpoint that made clip_vector.")
    analysed_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "image aesthetics"
        indexes = [
            HnswIndex(
                name="image_palette_hnsw",
                fields=["palette_vector"],
                m=16,
                ef_construction=64,
                opclasses=["vector_cosine_ops"],
            ),
            HnswIndex(
                name="image_clip_hnsw",
                fields=["clip_vector"],
                m=16,
                ef_construction=64,
                opclasses=["halfvec_cosine_ops"],
            ),
            models.Index(fields=["status"], name="image_aesthetics_status"),
        ]

    def __str__(self) -> str:
        return f"Aesthetics of image {self.image_id}"

    @property
    def measures(self) -> dict[str, float | None]:
        return {
            "brightness": self.brightness,
            "contrast": self.contrast,
            "saturation": self.saturation,
            "colourfulness": self.colourfulness,
            "warmth": self.warmth,
            "monochrome": self.monochrome,
            "neon": self.neon,
            "greyscale": self.greyscale,
        }


class FilmTextEmbedding(models.Model):
    """A MiniLM sentence embedding of one text about a film (its plot, its tags, its reviews)."""

    class Source(models.TextChoices):
        PLOT = "plot", "Plot"
        TAGS = "tags", "Tags"
        REVIEWS = "reviews", "Reviews"

    film = models.ForeignKey("catalog.Film", on_delete=models.CASCADE, related_name="text_embeddings")
    source = models.CharField(max_length=10, choices=Source.choices)
    text_hash = models.CharField(max_length=64, help_text="SHA-256 of the embedded text: re-embed on change.")
    snippet = models.CharField(max_length=300, blank=True)
    model_name = models.CharField(max_length=200)
    vector = VectorField(dimensions=TEXT_DIM)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["film", "source"], name="unique_film_text_source")]
        indexes = [
            HnswIndex(
                name="film_text_hnsw", fields=["vector"], m=16, ef_construction=64, opclasses=["vector_cosine_ops"]
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} embedding of film {self.film_id}"


class VibeSettings(models.Model):
    """Fusion weights and search knobs, tuned by staff in admin. A single row (pk=1)."""

    palette_weight = models.FloatField(default=1.0, help_text="Weight of the colour/measure match.")
    clip_weight = models.FloatField(default=1.0, help_text="Weight of CLIP text→image similarity (when on).")
    text_weight = models.FloatField(default=0.8, help_text="Weight of query→plot/tags/reviews similarity.")
    best_image_share = models.FloatField(
        default=0.7, help_text="Film visual score = this × best image + the rest × mean of its top images."
    )
    top_images = models.PositiveSmallIntegerField(default=3, help_text="Images averaged per film.")
    candidates = models.PositiveIntegerField(default=300, help_text="Nearest neighbours taken per signal.")
    ef_search = models.PositiveIntegerField(default=100, help_text="HNSW ef_search for vector queries.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "vibe search settings"

    def __str__(self) -> str:
        return "Vibe search settings"

    def save(self, *args, **kwargs) -> None:
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def load(cls) -> VibeSettings:
        settings, _ = cls.objects.get_or_create(pk=1)
        return settings


class VibeCollection(models.Model):
    """A staff-curated starting point on the vibe page ("Neon nights"): a saved query, shown as a link."""

    title = models.CharField(max_length=80)
    description = models.CharField(max_length=200, blank=True)
    query = models.CharField(max_length=300, blank=True, help_text="What the collection searches for.")
    colours = models.JSONField(default=list, blank=True, help_text='Picked colours, e.g. ["#ff00c8", "#00f0ff"].')
    position = models.PositiveSmallIntegerField(default=0, help_text="Lower comes first.")
    published = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "title"]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if not self.query.strip() and not self.colours:
            raise ValidationError("Give a query or at least one colour.")
        if not isinstance(self.colours, list) or len(self.colours) > 5:
            raise ValidationError({"colours": "A list of at most 5 colours."})
        for colour in self.colours:
            try:
                hex_to_lab(str(colour))
            except ValueError as error:
                raise ValidationError({"colours": str(error)}) from error
