from __future__ import annotations

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from .jobs import job_retry
from .models import JobRun


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@require_GET
@staff_member_required
def job_list(request: HttpRequest) -> HttpResponse:
    jobs = JobRun.objects.select_related("created_by")[:100]
    active = any(job.state in (JobRun.State.QUEUED, JobRun.State.RUNNING) for job in jobs)
    template = "core/job_list.html#jobs" if request.htmx else "core/job_list.html"
    return render(request, template, {"jobs": jobs, "active": active})


@require_GET
@staff_member_required
def job_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    job = get_object_or_404(JobRun, pk=job_id)
    return render(request, "core/job_detail.html", {"job": job})


@require_POST
@staff_member_required
def job_retry_view(request: HttpRequest, job_id: int) -> HttpResponse:
    job = get_object_or_404(JobRun, pk=job_id)
    if job_retry(job):
        messages.success(request, f"Job #{job.pk} queued again.")
    else:
        messages.error(request, f"Job #{job.pk} is {job.state}; only failed jobs can be retried.")
    return redirect("core:job_list")
