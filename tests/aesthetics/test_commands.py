from __future__ import annotations

import json

import av
import numpy as np
import pytest
from django.core.management import CommandError, call_command

from aesthetics.models import ImageAesthetics
from aesthetics.tasks import embed_images
from catalog.models import FilmImage
from cineaesthete.core.jobs import job_enqueue
from cineaesthete.core.models import JobRun
from tests.aesthetics.conftest import add_image, image_bytes
from tests.factories import make_film

pytestmark = pytest.mark.django_db


def write_video(path, colours, *, seconds_each: float = 1.0, fps: int = 10) -> None:
    with av.open(str(path), "w") as container:
        stream = container.add_stream("mpeg4", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for colour in colours:
            rgb = np.full((48, 64, 3), [int(colour[i : i + 2], 16) for i in (1, 3, 5)], dtype=np.uint8)
            for _ in range(int(seconds_each * fps)):
                for packet in stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")):
                    container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def test_ingest_video_stores_one_frame_per_scene_with_timestamps(tmp_path, film):
    video = tmp_path / "trailer.mp4"
    write_video(video, ["#ff0000", "#00ff00", "#0000ff"])
    call_command("ingest_video", str(video), "--film", str(film.pk))
    frames = FilmImage.objects.filter(film=film, kind=FilmImage.Kind.FRAME).order_by("timestamp_seconds")
    assert [round(frame.timestamp_seconds) for frame in frames] == [0, 1, 2]
    assert all(frame.width == 64 and len(frame.content_hash) == 64 for frame in frames)
    call_command("ingest_video", str(video), "--film", str(film.pk))  # re-run stores nothing new
    assert frames.count() == 3


def test_corrupt_video_is_a_clear_error_and_stores_nothing(tmp_path, film):
    video = tmp_path / "broken.mp4"
    video.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"garbage" * 100)
    with pytest.raises(CommandError, match="nothing was stored"):
        call_command("ingest_video", str(video), "--film", str(film.pk))
    assert not FilmImage.objects.exists()
    with pytest.raises(CommandError, match="No film"):
        call_command("ingest_video", str(video), "--film", "999999")


def test_embed_images_command_runs_and_reports_failures(film, capsys):
    add_image(film, image_bytes("#123456"))
    add_image(film, b"nope", name="bad.jpg")
    call_command("embed_images", "--palettes-only")
    assert "1 image(s) marked failed" in capsys.readouterr().out
    assert ImageAesthetics.objects.filter(status="done").count() == 1
    call_command("embed_images")  # nothing left to do; CLIP is off
    assert JobRun.objects.filter(kind="embed_images", state="succeeded").count() == 2


@pytest.mark.django_db(transaction=True)
def test_embed_images_actor_through_the_broker(stub_broker, stub_worker):
    film = make_film("Alien", year=1979)
    add_image(film, image_bytes("#abcdef"))
    job = job_enqueue(embed_images, palettes_only=True, batch=json.loads("10"))
    stub_broker.join("ml")
    stub_worker.join()
    job.refresh_from_db()
    assert job.state == JobRun.State.SUCCEEDED, job.error
    assert job.result["palettes"]["done"] == 1
    assert ImageAesthetics.objects.filter(film=film).count() == 1
