"""YouTube through google-api-python-client against the sandbox: resumable uploads that survive
a cut connection, the quota ledger, faults, comments and figures."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from hub.connectors.base import (
    AuthExpired,
    ChannelAccess,
    MediaFile,
    OutgoingPost,
    RateLimited,
    Rejected,
    Transient,
    Unsupported,
)
from hub.connectors.registry import connector_for
from hub.connectors.youtube import YouTubeConnector
from hub.publishing.network_state import MemoryQuotaLedger, MemoryUploadSessions
from tests.conftest import tiny_mp4

CHANNEL = "UC" + "stadtbochum0000000000a"
CREDS = {
    "refresh_token": "refresh-bochum",
    "client_id": "123456789012-abc.apps.googleusercontent.com",
    "client_secret": "secret",
}


def video_file(tmp_path: Path, extra: int = 600_000, data: bytes | None = None) -> MediaFile:
    data = data if data is not None else tiny_mp4() + os.urandom(extra)
    path = tmp_path / f"film-{hashlib.sha256(data).hexdigest()[:8]}.mp4"
    path.write_bytes(data)
    return MediaFile(
        path=path,
        kind="video",
        mime_type="video/mp4",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        duration_seconds=3.0,
    )


@pytest.fixture
def youtube(sandbox, sandbox_url: str, monkeypatch) -> YouTubeConnector:
    monkeypatch.setattr(YouTubeConnector, "chunk_bytes", 256 * 1024)
    monkeypatch.setattr(YouTubeConnector, "resume_pause", 0.01)
    sandbox.put_account("youtube", id=CHANNEL, name="Stadt Bochum", token=CREDS["refresh_token"])
    access = ChannelAccess(CHANNEL, dict(CREDS), sandbox_url)
    connector = connector_for("youtube", access, timeout=2.0)
    assert isinstance(connector, YouTubeConnector)
    connector.ledger = MemoryQuotaLedger()
    connector.sessions = MemoryUploadSessions()
    return connector


def post_with(video: MediaFile, n: int = 1, **options) -> OutgoingPost:
    return OutgoingPost(
        delivery_id=n,
        text="Die Stadt Bochum erklärt den neuen Radweg.",
        title=f"Radweg Nord {n}",
        media=[video],
        options=options,
    )


def test_upload_in_chunks_arrives_whole_with_its_metadata(youtube, sandbox, tmp_path) -> None:
    video = video_file(tmp_path)
    result = youtube.publish(post_with(video, tags=["Bochum", "Radweg"], privacy="unlisted"))
    (post,) = sandbox.posts("youtube")
    assert post["id"] == result.remote_id
    assert result.url == f"https://www.youtube.com/watch?v={result.remote_id}"
    assert post["media"][0]["sha256"] == video.sha256 and post["media"][0]["size"] == video.size
    assert post["options"]["title"] == "Radweg Nord 1"
    assert post["options"]["tags"] == ["Bochum", "Radweg"]
    assert post["options"]["privacyStatus"] == "unlisted"
    puts = [r for r in sandbox.requests("youtube") if r["method"] == "PUT"]
    assert len(puts) == 3  # 600 kB in 256 KiB chunks
    assert youtube.quota_left()["uploads"] == 99


def test_upload_cut_at_half_resumes_where_it_stopped(youtube, sandbox, tmp_path) -> None:
    video = video_file(tmp_path, extra=1_200_000)
    cut = []

    def progress(sent: int, total: int) -> None:
        if sent >= total // 2 and not cut:
            cut.append(sent)
            sandbox.add_fault("youtube", "reset", method="PUT", count=1)

    youtube.on_progress = progress
    youtube.publish(post_with(video))
    (post,) = sandbox.posts("youtube")
    assert post["media"][0]["sha256"] == video.sha256
    statuses = [r["status"] for r in sandbox.requests("youtube") if r["method"] == "PUT"]
    assert "dropped" in statuses
    # Only the cut chunk was sent again: 5 chunks + 1 dropped + 1 status query at most.
    assert len(statuses) <= 7


def test_next_attempt_continues_a_stored_session_and_never_uploads_twice(
    youtube, sandbox, tmp_path
) -> None:
    video = video_file(tmp_path, extra=1_200_000)
    post = post_with(video, 7)

    def die(sent: int, total: int) -> None:
        if sent >= total // 2:
            raise SystemExit("the worker dies")  # the process stops mid-upload

    youtube.on_progress = die
    with pytest.raises(SystemExit):
        youtube.publish(post)
    assert sandbox.posts("youtube") == []
    assert youtube.find_published(post) is None  # unfinished: no video exists
    youtube.on_progress = None
    result = youtube.publish(post)
    (made,) = sandbox.posts("youtube")
    assert made["id"] == result.remote_id and made["media"][0]["sha256"] == video.sha256
    first_bytes = [
        r for r in sandbox.requests("youtube") if r["method"] == "POST" and "upload" in r["path"]
    ]
    assert len(first_bytes) == 1  # one session, resumed
    assert youtube.quota_left()["uploads"] == 99  # counted once


def test_lost_final_answer_is_found_by_its_session(youtube, sandbox, tmp_path) -> None:
    video = video_file(tmp_path, extra=100_000)
    post = post_with(video, 8)
    sandbox.add_fault("youtube", "reset", method="PUT", after=True, count=1)
    youtube.resume_attempts = 0
    with pytest.raises(Transient):
        youtube.publish(post)
    found = youtube.find_published(post)
    assert found is not None and [p["id"] for p in sandbox.posts("youtube")] == [found.remote_id]


def test_quota_used_up_refuses_and_says_when_it_resets(youtube, sandbox, tmp_path) -> None:
    video = video_file(tmp_path, extra=10)
    quota = youtube.quota()
    youtube.ledger.spend("youtube", quota.project, quota.day, "uploads", 100)
    with pytest.raises(RateLimited, match="resets on") as caught:
        youtube.publish(post_with(video))
    assert caught.value.retry_after and 0 < caught.value.retry_after <= 25 * 3600
    assert sandbox.requests("youtube") == []  # refused before any call
    assert quota.project == "123456789012"


def test_quota_running_out_mid_day_stops_further_calls(youtube, sandbox, tmp_path) -> None:
    sandbox.add_fault(
        "youtube", "status", status=403, path="/upload/", error={"reason": "quotaExceeded"}
    )
    with pytest.raises(RateLimited, match="quota"):
        youtube.publish(post_with(video_file(tmp_path, extra=10)))
    seen = len(sandbox.requests("youtube"))
    with pytest.raises(RateLimited):
        youtube.publish(post_with(video_file(tmp_path, extra=20), 2))
    assert len(sandbox.requests("youtube")) == seen and sandbox.posts("youtube") == []


def test_corrupted_video_and_missing_title_are_refused(youtube, sandbox, tmp_path) -> None:
    broken = video_file(tmp_path, data=b"\x00" * 300_000)
    with pytest.raises(Rejected, match="could not process the video"):
        youtube.publish(post_with(broken))
    with pytest.raises(Rejected, match="title"):
        youtube.publish(OutgoingPost(delivery_id=3, text="x", media=[video_file(tmp_path)]))
    image = MediaFile(tmp_path / "a.png", "image", "image/png", 1, "x")
    with pytest.raises(Rejected, match="only a video"):
        youtube.publish(OutgoingPost(delivery_id=4, text="x", title="t", media=[image]))


def test_revoked_login_and_server_errors(youtube, sandbox, sandbox_url, tmp_path) -> None:
    assert youtube.check_connection().startswith("@")
    revoked = connector_for(
        "youtube", ChannelAccess(CHANNEL, {**CREDS, "refresh_token": "revoked-1"}, sandbox_url)
    )
    with pytest.raises(AuthExpired):
        revoked.check_connection()
    sandbox.add_fault("youtube", "status", status=503, count=1, method="GET")
    with pytest.raises(Transient):
        youtube.check_connection()


def test_refresh_login_keeps_the_refresh_token(youtube) -> None:
    fresh = youtube.refresh_login()
    assert fresh.credentials["access_token"].startswith("ya29.")
    assert fresh.credentials["refresh_token"] == CREDS["refresh_token"]
    assert fresh.expires_at is None  # the login itself does not expire


def test_captions_are_added_to_the_video(youtube, sandbox, tmp_path) -> None:
    subtitles = tmp_path / "untertitel.vtt"
    subtitles.write_text("WEBVTT\n\n00:00.000 --> 00:02.000\nHallo Bochum\n")
    result = youtube.publish(
        post_with(video_file(tmp_path), captions=[{"path": str(subtitles), "language": "de"}])
    )
    media = sandbox.post("youtube", result.remote_id)["media"]
    assert [m["kind"] for m in media] == ["video", "captions"]
    assert media[1]["sha256"] == hashlib.sha256(subtitles.read_bytes()).hexdigest()
    assert youtube.quota_left()["units"] <= 10_000 - 400


def test_comments_replies_moderation_and_figures(youtube, sandbox, tmp_path) -> None:
    result = youtube.publish(post_with(video_file(tmp_path)))
    video_id = result.remote_id
    first = sandbox.add_comment("youtube", video_id, "Endlich!", author_name="Anna")
    page = youtube.fetch_comments({}, [video_id])
    assert [(c.text, c.post_remote_id, c.is_own) for c in page.items] == [
        ("Endlich!", video_id, False)
    ]
    assert page.units >= 1 and not page.more
    reply_id = youtube.reply(first["id"], "Danke, Anna!", idempotency_key="k")
    assert youtube.find_reply(first["id"], "Danke, Anna!") == reply_id
    second = youtube.fetch_comments(page.cursor, [video_id])
    assert [(c.text, c.is_own, c.parent_remote_id) for c in second.items] == [
        ("Danke, Anna!", True, first["id"])
    ]
    assert youtube.fetch_comments(second.cursor, [video_id]).items == []
    full = youtube.fetch_comments(second.cursor, [video_id], full=True)
    assert {c.remote_id for c in full.items} == {first["id"], reply_id}
    assert list(full.complete) == [video_id]
    youtube.set_hidden(first["id"], True)
    assert sandbox.post("youtube", first["id"])["hidden"] is True
    youtube.delete_comment(reply_id)  # our own: deleted
    youtube.delete_comment(first["id"])  # a citizen's: rejected, gone from the video
    assert sandbox.comments("youtube") == [] or all(
        c["deleted"] for c in sandbox.comments("youtube")
    )
    sandbox.set_metrics("youtube", video_id, viewCount=1234, likeCount=56)
    figures = youtube.fetch_post_metrics([video_id])[video_id]
    assert (figures.views, figures.likes) == (1234, 56)
    sandbox.put_account("youtube", id=CHANNEL, followers=789)
    assert youtube.fetch_account_metrics().followers == 789


def test_unsupported_is_never_raised_for_offered_capabilities(youtube) -> None:
    from hub.connectors.base import Capability

    assert youtube.supports(Capability.publish_video)
    assert not youtube.supports(Capability.publish_image)
    assert Unsupported


# -- issue 11, finding 7: what production does that the sandbox did not show -------------------


def threads_asked(sandbox, status: str | None) -> list[dict]:
    """The commentThreads.list calls made with this ``moderationStatus`` (None: without)."""
    found = []
    for entry in sandbox.requests("youtube"):
        if entry["method"] != "GET" or not entry["path"].endswith("/commentThreads"):
            continue
        asked = dict(pair.split("=", 1) for pair in entry["query"].split("&") if "=" in pair)
        if asked.get("moderationStatus") == status:
            found.append(entry)
    return found


def test_held_and_likely_spam_comments_reach_the_inbox_hidden(
    youtube, sandbox, tmp_path, monkeypatch
) -> None:
    video_id = youtube.publish(post_with(video_file(tmp_path))).remote_id
    sandbox.add_comment("youtube", video_id, "Sichtbar für alle")
    sandbox.settings("youtube", hold_comments="heldForReview")
    sandbox.add_comment("youtube", video_id, "Wartet auf Prüfung")
    sandbox.settings("youtube", hold_comments="likelySpam")
    sandbox.add_comment("youtube", video_id, "Billige Uhren hier")
    sandbox.settings("youtube", hold_comments="published")

    page = youtube.fetch_comments({}, [video_id])
    assert {c.text: c.hidden for c in page.items} == {
        "Sichtbar für alle": False,
        "Wartet auf Prüfung": True,
        "Billige Uhren hier": True,
    }
    assert len(threads_asked(sandbox, "heldForReview")) == 1
    assert len(threads_asked(sandbox, "likelySpam")) == 1
    assert page.units == 3

    # Quota: the held queues are read once per held_interval, not in every round.
    sandbox.settings("youtube", hold_comments="heldForReview")
    later = sandbox.add_comment("youtube", video_id, "Später gehalten")
    again = youtube.fetch_comments(page.cursor, [video_id])
    assert again.items == [] and again.units == 1
    assert len(threads_asked(sandbox, "heldForReview")) == 1
    monkeypatch.setattr(YouTubeConnector, "held_interval", 0.0)
    due = youtube.fetch_comments(again.cursor, [video_id])
    assert [(c.remote_id, c.hidden) for c in due.items] == [(later["id"], True)]

    full = youtube.fetch_comments(due.cursor, [video_id], full=True)
    assert sorted(c.text for c in full.items if c.hidden) == [
        "Billige Uhren hier",
        "Später gehalten",
        "Wartet auf Prüfung",
    ]
    assert list(full.complete) == [video_id]


def test_a_comment_hub_hid_is_present_and_hidden_in_the_complete_listing(
    youtube, sandbox, tmp_path
) -> None:
    video_id = youtube.publish(post_with(video_file(tmp_path))).remote_id
    first = sandbox.add_comment("youtube", video_id, "Unsachlich")
    answer = sandbox.add_comment("youtube", video_id, "Auch unsachlich", parent_id=first["id"])
    other = sandbox.add_comment("youtube", video_id, "Danke!")
    youtube.set_hidden(first["id"], True)
    youtube.set_hidden(answer["id"], True)

    full = youtube.fetch_comments({}, [video_id], full=True)
    assert {c.remote_id: c.hidden for c in full.items} == {
        first["id"]: True,
        answer["id"]: True,
        other["id"]: False,
    }
    assert list(full.complete) == [video_id]  # so hub marks nothing of these as deleted

    youtube.set_hidden(first["id"], False)
    shown = youtube.fetch_comments(full.cursor, [video_id], full=True)
    assert {c.remote_id: c.hidden for c in shown.items}[first["id"]] is False


def test_upload_from_an_unverified_google_project_is_private_and_says_so(
    youtube, sandbox, tmp_path
) -> None:
    sandbox.settings("youtube", unverified_project=True)
    result = youtube.publish(post_with(video_file(tmp_path), privacy="public"))
    made = sandbox.post("youtube", result.remote_id)
    assert made["options"]["privacyStatus"] == "private"
    assert result.note is not None
    assert "private" in result.note and "not verified" in result.note
    # No public link claimed: the address is the video's page in YouTube Studio.
    assert result.url == f"https://studio.youtube.com/video/{result.remote_id}/edit"

    asked_private = youtube.publish(post_with(video_file(tmp_path, extra=7), 2, privacy="private"))
    assert asked_private.note is None
    assert asked_private.url == f"https://www.youtube.com/watch?v={asked_private.remote_id}"

    sandbox.settings("youtube", unverified_project=False)
    public = youtube.publish(post_with(video_file(tmp_path, extra=9), 3))
    assert public.note is None and sandbox.post("youtube", public.remote_id)["options"][
        "privacyStatus"
    ] == ("public")


def test_a_lost_answer_of_a_locked_upload_is_found_with_the_note(
    youtube, sandbox, tmp_path
) -> None:
    sandbox.settings("youtube", unverified_project=True)
    post = post_with(video_file(tmp_path, extra=100_000), 9, privacy="unlisted")
    sandbox.add_fault("youtube", "reset", method="PUT", after=True, count=1)
    youtube.resume_attempts = 0
    with pytest.raises(Transient):
        youtube.publish(post)
    found = youtube.find_published(post)
    assert found is not None and found.note is not None and "private" in found.note


def test_favorite_count_is_never_a_figure(youtube, sandbox, tmp_path) -> None:
    video_id = youtube.publish(post_with(video_file(tmp_path))).remote_id
    sandbox.set_metrics("youtube", video_id, viewCount=10, likeCount=2)
    wire = requests_statistics(youtube, video_id)
    assert wire["favoriteCount"] == "0"  # what YouTube sends, always
    figures = youtube.fetch_post_metrics([video_id])[video_id]
    assert figures.saves is None  # "–", never a real 0
    assert "favoriteCount" not in figures.raw
    assert (figures.views, figures.likes) == (10, 2)


def requests_statistics(youtube: YouTubeConnector, video_id: str) -> dict:
    found = youtube.youtube.videos().list(part="statistics", id=video_id).execute()
    return dict(found["items"][0]["statistics"])
