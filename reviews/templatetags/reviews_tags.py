"""Template tags of the reviews app: the film page section and rating summary, star display, and server-rendered
SVG charts."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.core.paginator import Paginator

from .. import selectors
from ..forms import aspect_selects

register = template.Library()


@register.inclusion_tag("reviews/_film_section.html", takes_context=True)
def film_reviews_section(context, film) -> dict:
    """The film page's members section: widget, actions and reviews, in a fixed number of queries."""
    request = context["request"]
    user = request.user
    state = selectors.film_member_state(film=film, user=user)
    sort = request.GET.get("sort", "recent")
    if sort not in selectors.REVIEW_SORTS:
        sort = "recent"
    reviews = selectors.film_reviews(film=film, sort=sort, viewer=user)
    page = Paginator(reviews, 10).get_page(request.GET.get("page"))
    my_lists = list(user.film_lists.only("id", "title")[:50]) if user.is_authenticated else []
    return {
        "film": film,
        "state": state,
        "aspect_selects": aspect_selects(state.rating),
        "page": page,
        "sort": sort,
        "sorts": list(selectors.REVIEW_SORTS),
        "request": request,
        "user": user,
        "my_lists": my_lists,
    }


@register.inclusion_tag("reviews/_rating_summary.html")
def film_rating_summary(film) -> dict:
    """The film page's count, mean and half-star histogram of members' ratings (one query)."""
    return {"rating_summary": selectors.film_rating_summary(film=film), "film": film}


@register.inclusion_tag("reviews/_aspect_averages.html")
def film_aspect_averages(film) -> dict:
    """The film page's audience averages for story, acting, visuals and music, once enough members rated them
    (one query; private ratings never count)."""
    return {"aspect_averages": selectors.film_aspect_averages(film=film)}


@register.filter
def star_text(stars) -> str:
    """3.5 -> "★★★½"."""
    if stars is None or stars == "":
        return ""
    value = Decimal(str(stars))
    return "★" * int(value) + ("½" if value % 1 else "")


@register.simple_tag
def half_steps() -> list[Decimal]:
    return [Decimal(n) / 2 for n in range(1, 11)]


@register.inclusion_tag("reviews/_bar_chart.svg")
def bar_chart(bars, *, title: str = "", height: int = 160, bar_width: int = 0, horizontal: bool = False) -> dict:
    """An accessible SVG bar chart (no JavaScript, no CDN). ``bars`` is a list of selectors.Bar."""
    bars = list(bars)
    top = max((bar.value for bar in bars), default=0) or 1
    if horizontal:
        # Sized near the panel's width so the labels are drawn at about their CSS size, not scaled down.
        row = 24
        width = 360
        label_width = 130
        rows = [
            {
                "label": bar.label,
                "value": bar.value,
                "y": n * row,
                "w": round((width - label_width - 36) * bar.value / top, 1),
                "text_y": n * row + 16,
            }
            for n, bar in enumerate(bars)
        ]
        return {
            "horizontal": True,
            "rows": rows,
            "title": title,
            "width": width,
            "height": max(row, row * len(bars)),
            "label_width": label_width,
        }
    step = bar_width or max(14, min(40, 360 // max(1, len(bars))))
    chart_height = height - 30
    columns = []
    for n, bar in enumerate(bars):
        h = round(chart_height * bar.value / top, 1)
        columns.append(
            {
                "label": bar.label,
                "value": bar.value,
                "x": n * step + 2,
                "y": round(chart_height - h + 12, 1),
                "h": h,
                "w": step - 4,
                "cx": n * step + step / 2,
            }
        )
    return {
        "horizontal": False,
        "columns": columns,
        "title": title,
        "width": max(step, step * len(bars)) + 4,
        "height": height,
        "label_y": height - 4,
    }


@register.inclusion_tag("reviews/_bell.html", takes_context=True)
def notification_bell(context) -> dict:
    """The header's bell with the member's unread count (one indexed count)."""
    # The context's user (a page rendered without a request, such as an error page, has none: no bell count).
    return {"unread": selectors.unread_notification_count(user=context.get("user"))}


@register.inclusion_tag("reviews/_person_follow.html", takes_context=True)
def person_follow_button(context, person) -> dict:
    """Follow a person from their page (the catalogue's): their new films then alert the member."""
    user = context.get("user")
    return {
        "person": person,
        "user": user,
        "following": selectors.is_following_person(user=user, person_id=person.pk),
        "csrf_token": context.get("csrf_token"),
    }
