"""The REST API under /api/ (schema and docs are wired in cineaesthete/urls.py)."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from accounts.api.views import ObtainToken
from catalog.api.views import FilmViewSet, PersonViewSet
from recommendations.api.views import my_recommendations
from reviews.api import members as member_views
from reviews.api.views import DiaryViewSet, FilmListViewSet, RatingViewSet, ReviewViewSet, WatchlistViewSet

router = DefaultRouter()
router.register("films", FilmViewSet, basename="film")
router.register("people", PersonViewSet, basename="person")
router.register("reviews", ReviewViewSet, basename="review")
router.register("lists", FilmListViewSet, basename="list")
router.register("me/ratings", RatingViewSet, basename="rating")
router.register("me/diary", DiaryViewSet, basename="diary")
router.register("me/watchlist", WatchlistViewSet, basename="watchlist")

urlpatterns = [
    path("token/", ObtainToken.as_view(), name="api-token"),
    path("me/", member_views.me, name="api-me"),
    path("me/recommendations/", my_recommendations, name="api-my-recommendations"),
    path("members/<str:username>/", member_views.member, name="api-member"),
    path("members/<str:username>/follow/", member_views.follow, name="api-follow"),
    path("", include(router.urls)),
]
