"""Pagination that never counts a whole large result: "1,000+ films" instead of an exact COUNT on every page.

An exact COUNT over a filtered join of a large catalogue costs as much as reading every match, on every page
view, to print one number. ``CappedPaginator`` counts at most ``cap`` rows, or as far as the page asked for
(what its OFFSET reads anyway) plus one row to know whether there is more; past that it says "N+".
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.utils.functional import cached_property

# Far beyond any page a person reaches by clicking "Next"; keeps the count's LIMIT inside a bigint.
MAX_PAGE_NUMBER = 1_000_000


def requested_page_number(value: object) -> int:
    """The page number a query string asks for (1 for anything that is not a whole number from 1 up)."""
    text = str(value or "")
    number = int(text) if text.isascii() and text.isdigit() and len(text) <= 7 else 1
    return min(max(number, 1), MAX_PAGE_NUMBER)


class CappedPaginator(Paginator):
    """A Paginator whose ``count`` stops at ``max(cap, rows up to the requested page)`` + 1.

    ``capped`` is true when more rows exist than were counted; ``count_shown`` is then the number counted
    (the page says "1,000+ films") and ``num_pages`` is a lower bound that always includes one page past the
    requested one, so "Next" keeps working to the very end. The requested page is given up front because the
    count depends on it.
    """

    def __init__(self, object_list, per_page: int, *, page_number: object = 1, cap: int = 1000) -> None:
        super().__init__(object_list, per_page)
        self.requested = requested_page_number(page_number)
        self.cap = cap
        self.count_limit = max(cap, self.requested * per_page)

    @cached_property
    def count(self) -> int:
        rows = self.object_list
        if hasattr(rows, "order_by"):
            # COUNT(*) over a LIMITed subquery: reading stops one row past the limit.
            return rows.order_by()[: self.count_limit + 1].count()
        return min(len(rows), self.count_limit + 1)

    @property
    def capped(self) -> bool:
        return self.count > self.count_limit

    @property
    def count_shown(self) -> int:
        return min(self.count, self.count_limit)

    def get_page(self, number=None):
        return super().get_page(self.requested if number is None else requested_page_number(number))
