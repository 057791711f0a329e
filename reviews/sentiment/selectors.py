"""Reads for audience sentiment, shaped for templates."""

from __future__ import annotations

from reviews.sentiment.aspects import ASPECT_LABELS
from reviews.sentiment.emotions import MOODS
from reviews.sentiment.models import FilmRatingIntegrity, FilmSentimentSummary
from reviews.sentiment.services import MIN_REVIEWS_FOR_DETAIL

# An aspect bar needs this many mentions across the film's reviews.
MIN_ASPECT_MENTIONS = 3


def film_sentiment_context(*, film) -> dict:
    """Everything the film page's sentiment panel shows, in two queries whatever the film."""
    summary = FilmSentimentSummary.objects.filter(film=film).first()
    integrity = FilmRatingIntegrity.objects.filter(film=film).first()
    if summary is None:
        return {"film": film, "summary": None, "integrity": integrity}
    if summary.review_count < MIN_REVIEWS_FOR_DETAIL:
        # Counts only: aspects, moods and quotes from one or two reviews would speak for one or two people.
        return {
            "film": film,
            "summary": summary,
            "too_few": True,
            "min_reviews": MIN_REVIEWS_FOR_DETAIL,
            "integrity": integrity,
        }
    aspects = [
        {
            "key": key,
            "label": label,
            "mean": item["mean"],
            "count": item["count"],
            # -1..1 drawn as a bar from the middle: width is |mean| of half the track.
            "width": round(abs(item["mean"]) * 50, 1),
            "positive": item["mean"] >= 0,
        }
        for key, label in ASPECT_LABELS.items()
        if (item := summary.aspects.get(key)) and item["count"] >= MIN_ASPECT_MENTIONS
    ]
    emotions = sorted(summary.emotions.items(), key=lambda pair: pair[1], reverse=True)[:4]
    peak = max((point["count"] for point in summary.timeline), default=1)
    timeline = [
        {**point, "height": round(70 * (point["mean"] + 1) / 2), "weight": round(point["count"] / peak, 2)}
        for point in summary.timeline
    ]
    return {
        "film": film,
        "summary": summary,
        "aspects": aspects,
        "emotions": [(name, round(share * 100)) for name, share in emotions if share],
        "timeline": timeline,
        "integrity": integrity,
        "too_few": False,
        "loved": summary.loved,
        "disliked": summary.disliked,
        "moods": summary.moods,
    }


def film_ids_with_mood(*, mood: str):
    """Ids of films whose reviews read as `mood` (see reviews.sentiment.emotions.MOODS), as a subquery:
    `Film.objects.filter(pk__in=film_ids_with_mood(mood="tense"))`."""
    return FilmSentimentSummary.objects.filter(moods__contains=[mood]).values("film_id")


def mood_choices() -> list[str]:
    return list(MOODS)
