from django.urls import path

from . import views

app_name = "catalog"
urlpatterns = [
    path("", views.home, name="home"),
    path("films/", views.browse, name="browse"),
    path("films/<int:pk>/", views.film_detail, name="film_detail"),
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
    path("search/", views.search, name="search"),
    path("settings/services/", views.streaming_services, name="streaming_services"),
]
