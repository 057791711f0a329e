"""CappedPaginator: counts stop at a cap ("1,000+"), yet "Next" reaches every row, in order, to the end."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import Film
from cineaesthete.pagination import MAX_PAGE_NUMBER, CappedPaginator, requested_page_number
from tests.factories import make_film

pytestmark = pytest.mark.django_db


@pytest.fixture
def films():
    return [make_film(f"Film {n:02d}") for n in range(11)]


def ordered():
    return Film.objects.order_by("title", "id")


def test_below_the_cap_the_count_is_exact(films):
    paginator = CappedPaginator(ordered(), 4, cap=20)
    page = paginator.get_page()
    assert (paginator.count_shown, paginator.capped, paginator.num_pages) == (11, False, 3)
    assert [film.title for film in page] == ["Film 00", "Film 01", "Film 02", "Film 03"]


def test_above_the_cap_the_count_says_more_and_next_reaches_every_row_in_order(films):
    seen, number = [], 1
    while True:
        paginator = CappedPaginator(ordered(), 2, page_number=str(number), cap=5)
        page = paginator.get_page()
        assert page.number == number
        if number == 1:
            assert (paginator.count_shown, paginator.capped) == (5, True)
        seen += [film.title for film in page]
        if not page.has_next():
            break
        number = page.next_page_number()
    assert seen == [film.title for film in ordered()]
    assert number == 6


def test_the_count_reads_a_limited_subquery(films):
    with CaptureQueriesContext(connection) as queries:
        list(CappedPaginator(ordered(), 2, cap=5).get_page())
    # Expect 2 queries: the capped COUNT and the page.
    assert len(queries) == 2
    assert "LIMIT 6" in queries[0]["sql"]


def test_a_page_past_the_end_shows_the_last_page(films):
    page = CappedPaginator(ordered(), 4, page_number="99", cap=5).get_page()
    assert page.number == 3 and [film.title for film in page] == ["Film 08", "Film 09", "Film 10"]


@pytest.mark.parametrize("value", ["", None, "abc", "0", "-1", "²", "1.5", "9" * 40, "1\x00"])
def test_hostile_page_numbers_fall_back_to_a_real_page(films, value):
    page = CappedPaginator(ordered(), 4, page_number=value, cap=5).get_page()
    assert page.number in {1, 3}
    assert 1 <= requested_page_number(value) <= MAX_PAGE_NUMBER


def test_lists_are_paginated_too():
    paginator = CappedPaginator(list(range(10)), 3, cap=4)
    assert (paginator.count_shown, paginator.capped) == (4, True)
    assert list(paginator.get_page()) == [0, 1, 2]
