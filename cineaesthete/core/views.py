from __future__ import annotations

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from cineaesthete.htmx import HtmxHttpRequest, render_page

from .jobs import job_retry
from .models import JobRun


@require_GET
def healthz(request: HtmxHttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@require_GET
@staff_member_required
def job_list(request: HtmxHttpRequest) -> HttpResponse:
    jobs = JobRun.objects.select_related("created_by")[:100]
    active = any(job.state in (JobRun.State.QUEUED, JobRun.State.RUNNING) for job in jobs)
    return render_page(request, "core/job_list.html", {"jobs": jobs, "active": active}, fragment="jobs")


@require_GET
@staff_member_required
def job_detail(request: HtmxHttpRequest, job_id: int) -> HttpResponse:
    job = get_object_or_404(JobRun, pk=job_id)
    return render(request, "core/job_detail.html", {"job": job})


@require_POST
@staff_member_required
def job_retry_view(request: HtmxHttpRequest, job_id: int) -> HttpResponse:
    job = get_object_or_404(JobRun, pk=job_id)
    if job_retry(job):
        messages.success(request, f"Job #{job.pk} queued again.")
    else:
        messages.error(request, f"Job #{job.pk} is {job.state}; only failed jobs can be retried.")
    return redirect("core:job_list")
