from django.urls import path

from . import views

app_name = "core"
urlpatterns = [
    path("staff/jobs/", views.job_list, name="job_list"),
    path("staff/jobs/<int:job_id>/", views.job_detail, name="job_detail"),
    path("staff/jobs/<int:job_id>/retry/", views.job_retry_view, name="job_retry"),
]
