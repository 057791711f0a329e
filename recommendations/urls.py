from django.urls import path

from recommendations import views

app_name = "recommendations"
urlpatterns = [
    path("recommendations/", views.recommendations_page, name="page"),
    path("recommendations/feedback/<int:film_id>/", views.feedback, name="feedback"),
    path("recommendations/start/", views.onboarding, name="onboarding"),
    path("recommendations/start/taste/", views.onboarding_taste, name="onboarding_taste"),
]
