"""Film.rating_count and rating_mean: denormalised from members' ratings so lists sort cheaply."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection
from django.db.models import Avg, Count, FloatField, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast

from ..models import Film


def film_stats_refresh(*, ratings: QuerySet, film_ids: Iterable[int] | None = None) -> int:
    """Recompute Film.rating_count and rating_mean from ``ratings`` in one UPDATE; return the rows changed.

    ``ratings`` are the rating rows that count (the reviews app decides which: it owns them), with a
    ``film`` foreign key and ``stars`` (None: a like or a watch without stars, which is not counted). With
    ``film_ids``, only those films are recomputed; without, every film. Films whose numbers are already
    right are not written."""
    ids = None if film_ids is None else list(film_ids)
    if ids is not None and not ids:
        return 0
    counted = ratings.filter(stars__isnull=False).order_by()
    if ids is not None:
        # One array parameter, however many films (an IN list stops at 65,535 parameters).
        counted = counted.filter(film_id__in=RawSQL("SELECT unnest(%s::bigint[])", [ids]))
    per_film = counted.values("film_id").annotate(n=Count("*"), mean=Cast(Avg("stars"), FloatField()))
    stats_sql, stats_params = per_film.query.sql_with_params()
    film_table = connection.ops.quote_name(Film._meta.db_table)
    only = "AND f.id = ANY(%s)" if ids is not None else ""
    sql = f"""
        UPDATE {film_table} f
           SET rating_count = COALESCE(s.n, 0), rating_mean = s.mean
          FROM {film_table} f2
          LEFT JOIN ({stats_sql}) s ON s.film_id = f2.id
         WHERE f.id = f2.id {only}
           AND (f.rating_count IS DISTINCT FROM COALESCE(s.n, 0) OR f.rating_mean IS DISTINCT FROM s.mean)
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [*stats_params, *([ids] if ids is not None else [])])
        return cursor.rowcount
