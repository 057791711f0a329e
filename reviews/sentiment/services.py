"""Writes for audience sentiment: analysing reviews, refreshing film summaries.

Entry points for other apps:
    review_sentiment_enqueue(review_id=...)   # after a review is created or edited (runs on commit, in a worker)
    review_sentiment_refresh(review_id=...)   # the same work, synchronously (the actor calls this)
    film_sentiment_enqueue(film_id=...)       # after a review is deleted, so its quotes leave the film page
"""

from __future__ import annotations

import datetime
import hashlib
import logging
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Avg, Count, Exists, F, Min, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from catalog.models import Film
from cineaesthete.progress import Progress, no_progress
from reviews.models import Rating, Review
from reviews.sentiment import aspects as aspect_lib
from reviews.sentiment import emotions as emotion_lib
from reviews.sentiment import integrity
from reviews.sentiment.analysers import Analyser, default_analyser
from reviews.sentiment.models import (
    FilmRatingIntegrity,
    FilmSentimentSummary,
    RatingBurst,
    ReviewSentenceAspect,
    ReviewSentiment,
)
from reviews.sentiment.text import prepare, split_sentences, words

logger = logging.getLogger(__name__)

# A sentence with no aspect is still stored when it is this polar: it may be quoted as loved/disliked.
QUOTE_MIN_SCORE = 0.5
# Below this many analysed reviews a film shows no aspect bars, moods or quotes: one rant is not an audience.
MIN_REVIEWS_FOR_DETAIL = 5
# Bumped when the way sentences are split into aspects and scored changes, so reviews are analysed again.
ASPECT_METHOD = "mentions-2"
# MiniLM aspect matching is only worth its cost on sentences that carry an opinion.
EMBED_MIN_ABS_SCORE = 0.3


_clause_scorer: aspect_lib.ClauseScorer | None = None


def clause_scorer() -> aspect_lib.ClauseScorer:
    """One per process: building VADER's lexicon takes a moment."""
    global _clause_scorer
    if _clause_scorer is None:
        _clause_scorer = aspect_lib.ClauseScorer()
    return _clause_scorer


def _fingerprint(text: str, analyser: Analyser) -> str:
    return hashlib.sha256(f"{analyser.name}:{analyser.version}:{ASPECT_METHOD}\n{text}".encode()).hexdigest()[:32]


def review_sentiment_enqueue(*, review_id: int) -> None:
    """Analyse a created or edited review in the background, once the current transaction commits."""
    from reviews.sentiment.tasks import analyse_review  # tasks imports this module

    transaction.on_commit(lambda: analyse_review.send(review_id))


def finetune_sentiment_queue(*, epochs: int = 1, data: Path | None = None):
    """Queue fine-tuning the sentiment encoder on the training queue (a JobRun), or None when there is nothing to
    do: no NB-SVM to blend with, no training data, the blend for the current NB-SVM exists, or a fine-tune is
    queued or running."""
    from cineaesthete.core.jobs import job_enqueue
    from cineaesthete.core.models import JobRun
    from reviews.sentiment.analysers import NbSvmAnalyser, blend_is_current, classifier_artifact_path
    from reviews.sentiment.data import default_training_file
    from reviews.sentiment.tasks import finetune_sentiment  # tasks imports this module

    if not classifier_artifact_path().exists() or not (data or default_training_file()).exists():
        return None
    if blend_is_current(NbSvmAnalyser.from_file(classifier_artifact_path())):  # without loading the encoder
        return None
    with transaction.atomic(), connection.cursor() as cursor:
        # Two callers at once queue one job: the check and the insert hold a transaction-scoped lock.
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [finetune_sentiment.actor_name])
        pending = JobRun.objects.filter(
            kind=finetune_sentiment.actor_name, state__in=[JobRun.State.QUEUED, JobRun.State.RUNNING]
        )
        if pending.exists():
            return None
        return job_enqueue(finetune_sentiment, epochs=epochs, **({"data": str(data)} if data else {}))


def film_sentiment_enqueue(*, film_id: int) -> None:
    """Recompute a film's summary in the background once the transaction commits (after a review is deleted)."""
    from reviews.sentiment.tasks import refresh_film_sentiment  # tasks imports this module

    transaction.on_commit(lambda: refresh_film_sentiment.send(film_id))


def review_sentiment_refresh(
    *, review_id: int, refresh_film: bool = True, force: bool = False
) -> ReviewSentiment | None:
    """Analyse one review (skipped when its text and the analyser are unchanged) and refresh its film's summary.

    Returns None when the review no longer exists (deleted before the job ran).
    """
    review = Review.objects.filter(pk=review_id).only("id", "film_id", "text").first()
    if review is None:
        return None
    reviews_analyse(reviews=[review], force=force, embedder=aspect_lib.default_embedder())
    if refresh_film:
        film_sentiment_refresh(film_id=review.film_id)
    return ReviewSentiment.objects.filter(review_id=review_id).first()


def reviews_analyse(
    *,
    reviews: Sequence[Review],
    analyser: Analyser | None = None,
    embedder: aspect_lib.AspectEmbedder | None = None,
    force: bool = False,
) -> int:
    """Analyse a batch of reviews (document polarity, sentences, aspects, emotions) and store the results.

    Reviews whose fingerprint (text + analyser version) is unchanged are skipped unless `force`.
    Returns how many reviews were (re)analysed.
    """
    analyser = analyser or default_analyser()
    prepared = {review.pk: prepare(review.text) for review in reviews}
    fingerprints = {review.pk: _fingerprint(review.text or "", analyser) for review in reviews}
    if not force:
        current = dict(
            ReviewSentiment.objects.filter(review_id__in=list(fingerprints)).values_list("review_id", "fingerprint")
        )
        reviews = [review for review in reviews if current.get(review.pk) != fingerprints[review.pk]]
    if not reviews:
        return 0

    polarities = analyser.analyse_batch([prepared[review.pk].text for review in reviews])
    now = timezone.now()
    sentiment_rows = []
    # Sentences of every analysable review in the batch, scored in one call (vectorising is per call).
    sentence_owner: list[tuple[int, int]] = []
    sentence_texts: list[str] = []
    for review, polarity in zip(reviews, polarities, strict=True):
        item = prepared[review.pk]
        # prepare() on the already prepared text would lose the reason (truncation), so keep it from here.
        reason = item.reason or polarity.reason
        emotions = dict(emotion_lib.profile_counts(item.text)) if item.analysable else {}
        sentiment_rows.append(
            ReviewSentiment(
                review_id=review.pk,
                label=polarity.label,
                score=polarity.score,
                analyser=analyser.name,
                version=analyser.version[:80],
                analysable=polarity.analysable,
                reason=reason[:80],
                emotions=emotions,
                fingerprint=fingerprints[review.pk],
                analysed_at=now,
            )
        )
        if polarity.analysable:
            for position, sentence in enumerate(s for s in split_sentences(item.text) if len(words(s)) >= 2):
                if position >= 200:
                    break
                sentence_owner.append((review.pk, position))
                sentence_texts.append(sentence)

    sentence_scores = [p.score for p in analyser.analyse_batch(sentence_texts)] if sentence_texts else []
    mentions = [aspect_lib.aspect_mentions(sentence) for sentence in sentence_texts]
    # Aspect -> polarity of its mentions in the sentence (the clause around each, with negation).
    aspect_scores: list[dict[str, float]] = [
        aspect_lib.mention_scores(sentence, sentence_score=score, scorer=clause_scorer(), mentions=found)
        if found
        else {}
        for sentence, score, found in zip(sentence_texts, sentence_scores, mentions, strict=True)
    ]
    if embedder is not None:
        todo = [
            i
            for i, scores in enumerate(aspect_scores)
            if not scores
            and abs(sentence_scores[i]) >= EMBED_MIN_ABS_SCORE
            and len(words(sentence_texts[i])) >= aspect_lib.MIN_WORDS
        ]
        if todo:
            assigned = aspect_lib.assign_aspects([sentence_texts[i] for i in todo], embedder=embedder)
            for i, found in zip(todo, assigned, strict=True):
                # Matched by meaning, not by a word: the whole sentence is the mention.
                aspect_scores[i] = dict.fromkeys(found, sentence_scores[i])

    sentence_rows = []
    for (review_id, position), sentence, score, scores in zip(
        sentence_owner, sentence_texts, sentence_scores, aspect_scores, strict=True
    ):
        if scores:
            sentence_rows.extend(
                ReviewSentenceAspect(
                    review_id=review_id,
                    position=position,
                    sentence=sentence,
                    aspect=aspect,
                    score=aspect_score,
                    sentence_score=score,
                )
                for aspect, aspect_score in scores.items()
            )
        elif (
            abs(score) >= QUOTE_MIN_SCORE and aspect_lib.MIN_WORDS <= len(words(sentence)) <= aspect_lib.MAX_QUOTE_WORDS
        ):
            sentence_rows.append(
                ReviewSentenceAspect(
                    review_id=review_id,
                    position=position,
                    sentence=sentence,
                    aspect="",
                    score=score,
                    sentence_score=score,
                )
            )

    review_ids = [review.pk for review in reviews]
    with transaction.atomic():
        ReviewSentiment.objects.bulk_create(
            sentiment_rows,
            update_conflicts=True,
            unique_fields=["review"],
            update_fields=[
                "label",
                "score",
                "analyser",
                "version",
                "analysable",
                "reason",
                "emotions",
                "fingerprint",
                "analysed_at",
            ],
        )
        ReviewSentenceAspect.objects.filter(review_id__in=review_ids).delete()
        ReviewSentenceAspect.objects.bulk_create(sentence_rows, batch_size=2000)
    return len(reviews)


def _timeline(points: Iterable[tuple], *, min_count: int = 1) -> list[dict]:
    """Mean review score per period: per month when the reviews span under three years, else per year."""
    points = sorted(points)
    if not points:
        return []
    span_years = (points[-1][0] - points[0][0]).days / 365.25
    fmt = "%Y-%m" if span_years < 3 else "%Y"
    buckets: dict[str, list[float]] = defaultdict(list)
    for when, score in points:
        buckets[when.strftime(fmt)].append(score)
    return [
        {"period": period, "mean": round(sum(scores) / len(scores), 3), "count": len(scores)}
        for period, scores in sorted(buckets.items())
        if len(scores) >= min_count
    ]


def film_sentiment_refresh(
    *, film_id: int, embedder: aspect_lib.AspectEmbedder | None = None, use_embedder: bool = True
) -> FilmSentimentSummary | None:
    """Recompute a film's summary from its analysed reviews; deletes it when the film has none."""
    sentiments = list(
        ReviewSentiment.objects.filter(
            review__film_id=film_id, review__is_private=False, review__is_hidden=False, analysable=True
        ).values_list("review_id", "label", "score", "emotions", "review__created_at", "analyser")
    )
    if not sentiments:
        FilmSentimentSummary.objects.filter(film_id=film_id).delete()
        return None
    labels = Counter(label for _, label, *_ in sentiments)
    emotion_counts: Counter = Counter()
    for _, _, _, emotions, _, _ in sentiments:
        emotion_counts.update(emotions or {})
    profile = emotion_lib.normalise(emotion_counts)

    sentence_rows = list(
        ReviewSentenceAspect.objects.filter(
            review__film_id=film_id, review__is_private=False, review__is_hidden=False
        ).values_list("review_id", "position", "sentence", "aspect", "score", "sentence_score")
    )
    aspect_summary = aspect_lib.aggregate_aspects((aspect, score) for _, _, _, aspect, score, _ in sentence_rows)
    grouped: dict[tuple[int, int], list] = {}
    for review_id, position, sentence, aspect, score, sentence_score in sentence_rows:
        # A quote is chosen by the polarity of its whole sentence, not of one aspect in it.
        entry = grouped.setdefault(
            (review_id, position), [sentence, score if sentence_score is None else sentence_score, []]
        )
        if aspect:
            entry[2].append(aspect)
    candidates = [
        aspect_lib.Quote(review_id=review_id, text=sentence, score=score, aspects=tuple(found))
        for (review_id, _), (sentence, score, found) in grouped.items()
    ]
    if embedder is None and use_embedder:
        embedder = aspect_lib.default_embedder()
    loved = aspect_lib.pick_quotes(candidates, positive=True, embedder=embedder)
    disliked = aspect_lib.pick_quotes(candidates, positive=False, embedder=embedder)

    summary, _ = FilmSentimentSummary.objects.update_or_create(
        film_id=film_id,
        defaults={
            "review_count": len(sentiments),
            "positive": labels.get("positive", 0),
            "negative": labels.get("negative", 0),
            "mixed": labels.get("mixed", 0),
            "mean_score": round(sum(score for _, _, score, *_ in sentiments) / len(sentiments), 4),
            "aspects": {aspect: item.as_dict() for aspect, item in aspect_summary.items()},
            "emotions": profile,
            "moods": emotion_lib.moods(profile) if len(sentiments) >= MIN_REVIEWS_FOR_DETAIL else [],
            "loved": [quote.as_dict() for quote in loved],
            "disliked": [quote.as_dict() for quote in disliked],
            "timeline": _timeline((created_at, score) for _, _, score, _, created_at, _ in sentiments),
            "analyser": Counter(name for *_, name in sentiments).most_common(1)[0][0],
            "updated_at": timezone.now(),
        },
    )
    return summary


def stale_reviews(*, force: bool = False, film_id: int | None = None, analyser: Analyser | None = None):
    """Reviews needing analysis: never analysed, edited since, or analysed by another analyser version."""
    queryset = Review.objects.all()
    if film_id is not None:
        queryset = queryset.filter(film_id=film_id)
    if not force:
        analyser = analyser or default_analyser()
        queryset = queryset.filter(
            Q(sentiment__isnull=True)
            | Q(sentiment__analysed_at__lt=F("updated_at"))
            | ~Q(sentiment__analyser=analyser.name)
            | ~Q(sentiment__version=analyser.version[:80])
        )
    return queryset.order_by("pk")


def reviews_backfill(
    *,
    force: bool = False,
    film_id: int | None = None,
    batch_size: int = 500,
    use_embedder: bool = True,
    limit: int | None = None,
    progress: Progress = no_progress,
) -> dict:
    """Analyse every stale review in batches, then refresh the summaries of the films touched
    (and of films with analysed reviews but no summary yet). Safe to re-run: a second run finds nothing to do."""
    analyser = default_analyser()
    ids = list(stale_reviews(force=force, film_id=film_id, analyser=analyser).values_list("pk", flat=True)[:limit])
    total = len(ids)
    orphans = set(
        ReviewSentiment.objects.filter(analysable=True, review__film__sentiment_summary__isnull=True)
        .values_list("review__film_id", flat=True)
        .distinct()
    )
    if film_id is not None:
        orphans &= {film_id}
    # MiniLM takes seconds to load: only when there is work for it.
    embedder = aspect_lib.default_embedder() if use_embedder and (ids or orphans) else None
    films: set[int] = set(orphans)
    analysed = 0
    for start in range(0, total, batch_size):
        batch = list(Review.objects.filter(pk__in=ids[start : start + batch_size]).only("id", "film_id", "text"))
        analysed += reviews_analyse(reviews=batch, analyser=analyser, embedder=embedder, force=True)
        films.update(review.film_id for review in batch)
        progress("reviews analysed", min(start + batch_size, total), total)
    films_done = 0
    for number, film in enumerate(sorted(films), start=1):
        film_sentiment_refresh(film_id=film, embedder=embedder, use_embedder=use_embedder)
        films_done += 1
        if number % 50 == 0 or number == len(films):
            progress("film summaries refreshed", number, len(films))
    return {"analyser": f"{analyser.name} {analyser.version}", "reviews": analysed, "films": films_done}


# --- rating integrity ----------------------------------------------------------------------------------
# A burst of ratings on a film queues one check per this window; the check runs
# settings.RATING_INTEGRITY_CHECK_DELAY_SECONDS after the first rating (the same five minutes by default),
# so the ratings that arrive meanwhile are all seen by it and queue nothing more.
INTEGRITY_CHECK_DEBOUNCE = datetime.timedelta(minutes=5)


def rating_integrity_watch(*, film_id: int) -> None:
    """A member's stars on a film changed: once the transaction commits, make sure a burst check is queued."""
    transaction.on_commit(lambda: film_integrity_check_schedule(film_id=film_id))


def film_integrity_check_schedule(*, film_id: int, now: datetime.datetime | None = None) -> bool:
    """Queue a delayed integrity check of the film unless one is already due; True when this call queued it.

    The claim is a conditional UPDATE on the film's integrity row, so concurrent ratings (in any number of
    processes) queue one job per film per INTEGRITY_CHECK_DEBOUNCE.
    """
    from reviews.sentiment.tasks import check_film_integrity  # tasks imports this module

    now = now or timezone.now()
    due = now + INTEGRITY_CHECK_DEBOUNCE
    FilmRatingIntegrity.objects.get_or_create(film_id=film_id)
    claimed = (
        FilmRatingIntegrity.objects.filter(film_id=film_id)
        .filter(Q(check_due_at__isnull=True) | Q(check_due_at__lte=now))
        .update(check_due_at=due)
    )
    if claimed:
        delay_ms = 1000 * settings.RATING_INTEGRITY_CHECK_DELAY_SECONDS
        check_film_integrity.send_with_options(args=(film_id,), delay=delay_ms or None)
    return bool(claimed)


def catalogue_mean_stars() -> float:
    """The mean of every star rating in the catalogue (the prior of the robust average); 3.5 when there are none."""

    mean = Rating.objects.filter(stars__isnull=False).aggregate(mean=Avg("stars"))["mean"]
    return float(mean) if mean is not None else 3.5


def film_rating_integrity_check(*, film_id: int, prior_mean: float | None = None, prior_weight: float = 10.0):
    """Look for rating bursts on a film, record them for staff, and store the plain and robust averages.

    Every account is judged the same way, imported or not: its age at a rating counts from its first activity
    (its join date, or its first rating if that is older: imported accounts joined on the import date but
    rated for years before), and its rating count is the real one. So an imported member with a long history
    is established, while a freshly created or freshly imported account with a handful of ratings is not.
    Ratings by accounts flagged in a burst that staff have not dismissed are left out of the robust average,
    and while any are, the film's `rating_robust_mean` carries it for its page and the "highest rated" sort.
    """
    rows = list(
        Rating.objects.filter(film_id=film_id, stars__isnull=False, is_private=False, is_hidden=False).values_list(
            "user_id", "stars", "created_at", "user__date_joined"
        )
    )
    prior_mean = catalogue_mean_stars() if prior_mean is None else prior_mean
    if not rows:
        FilmRatingIntegrity.objects.filter(film_id=film_id).delete()
        Film.objects.filter(pk=film_id).exclude(rating_robust_mean=None).update(rating_robust_mean=None)
        return None
    user_ids = [row[0] for row in rows]
    history = {
        user_id: (count, first)
        for user_id, count, first in Rating.objects.filter(user_id__in=set(user_ids))
        .values("user_id")
        .annotate(n=Count("id"), first=Min("created_at"))
        .values_list("user_id", "n", "first")
    }
    stars = np.array([float(row[1]) for row in rows])
    days = np.array([row[2].date().toordinal() for row in rows])
    ages = np.array(
        [(created - min(joined, history[user_id][1])).total_seconds() / 86400 for user_id, _, created, joined in rows]
    )
    counts = np.array([history[user_id][0] for user_id in user_ids])
    bursts = integrity.detect_bursts(days, stars, account_age_days=ages, account_rating_count=counts)

    for burst in bursts:
        inside = (days >= burst.start_day) & (days <= burst.end_day)
        RatingBurst.objects.update_or_create(
            film_id=film_id,
            window_start=datetime.date.fromordinal(burst.start_day),
            window_end=datetime.date.fromordinal(burst.end_day),
            defaults={
                "ratings_in_window": burst.count,
                "volume_z": burst.volume_z,
                "distribution_shift": burst.kl_divergence,
                "p_value": burst.p_value,
                "suspicious_share": burst.suspicious_share,
                "flagged_user_ids": sorted({user_ids[i] for i in burst.flagged.tolist()}),
                "evidence": {
                    "window_histogram": integrity.star_histogram(stars[inside]).astype(int).tolist(),
                    "history_histogram": integrity.star_histogram(stars[days < burst.start_day]).astype(int).tolist(),
                    "window_mean": round(float(stars[inside].mean()), 3),
                    "history_mean": round(float(stars[days < burst.start_day].mean()), 3),
                    "bins": "half stars 0.5 .. 5.0",
                },
            },
        )
    flagged_users = set()
    for flagged in (
        RatingBurst.objects.filter(film_id=film_id)
        .exclude(status=RatingBurst.Status.DISMISSED)
        .values_list("flagged_user_ids", flat=True)
    ):
        flagged_users.update(flagged)
    excluded = np.array([user_id in flagged_users for user_id in user_ids])
    robust = round(integrity.robust_mean(stars, prior_mean=prior_mean, prior_weight=prior_weight, exclude=excluded), 3)
    with transaction.atomic():
        result, _ = FilmRatingIntegrity.objects.update_or_create(
            film_id=film_id,
            defaults={
                "plain_mean": round(float(stars.mean()), 3),
                "plain_count": len(stars),
                "robust_mean": robust,
                "excluded_count": int(excluded.sum()),
                "checked_at": timezone.now(),
            },
        )
        Film.objects.filter(pk=film_id).update(rating_robust_mean=robust if excluded.any() else None)
    return result


def films_with_unchecked_ratings() -> list[int]:
    """Films whose ratings changed since their last integrity check (or were never checked), and checked films
    whose number of ratings no longer matches (a rating was deleted, which leaves no timestamp behind)."""
    checked_since = FilmRatingIntegrity.objects.filter(
        film_id=OuterRef("film_id"), checked_at__isnull=False, checked_at__gte=OuterRef("updated_at")
    )
    changed = set(
        Rating.objects.filter(stars__isnull=False)
        .filter(~Exists(checked_since))
        .values_list("film_id", flat=True)
        .distinct()
    )
    counted = Rating.objects.filter(film_id=OuterRef("film_id"), stars__isnull=False).values("film_id")
    shrunk = FilmRatingIntegrity.objects.annotate(
        now_count=Coalesce(Subquery(counted.annotate(n=Count("id")).values("n")), 0)
    ).exclude(now_count=F("plain_count"))
    changed.update(shrunk.values_list("film_id", flat=True))
    return sorted(changed)


def ratings_integrity_check_all(*, changed_only: bool = False, progress: Progress = no_progress) -> dict:
    """Run film_rating_integrity_check over every rated film, or with `changed_only` over the films whose ratings
    changed since their last check (the nightly run). Safe to re-run (bursts are upserted)."""
    prior = catalogue_mean_stars()
    if changed_only:
        films = films_with_unchecked_ratings()
    else:
        films = list(
            Rating.objects.filter(stars__isnull=False).values_list("film_id", flat=True).distinct().order_by("film_id")
        )
    for number, film_id in enumerate(films, start=1):
        film_rating_integrity_check(film_id=film_id, prior_mean=prior)
        if number % 200 == 0 or number == len(films):
            progress("films checked", number, len(films))
    return {"films": len(films), "open_bursts": RatingBurst.objects.filter(status=RatingBurst.Status.OPEN).count()}


def rating_burst_set_status(*, burst, status: str):
    """Staff confirm or dismiss a burst; the film's robust average is recomputed accordingly."""
    burst.status = status
    burst.save(update_fields=["status"])
    return film_rating_integrity_check(film_id=burst.film_id)
