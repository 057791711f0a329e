from django.urls import path

from . import views

app_name = "catalog"
urlpatterns = [
    path("", views.home, name="home"),
    path("films/", views.browse, name="browse"),
    path("films/<int:pk>/", views.film_detail, name="film_detail"),
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
    path("search/", views.search, name="search"),
    path("search/tmdb/", views.tmdb_search_view, name="tmdb_search"),
    path("search/tmdb/add/", views.tmdb_add, name="tmdb_add"),
    path("search/tmdb/imports/<int:job_id>/", views.tmdb_import, name="tmdb_import"),
    path("settings/services/", views.streaming_services, name="streaming_services"),
]
