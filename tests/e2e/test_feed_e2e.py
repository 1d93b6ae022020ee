"""A GP's feed URL from `python -m sched feed-url` opened in Chromium downloads a calendar a parser reads."""

from __future__ import annotations

import pytest

from sched.cli import cli
from tests.web.test_feeds import check_feed

pytestmark = pytest.mark.e2e


def test_feed_url_downloads_a_calendar_in_chromium(live_app, live_server, page, tmp_path):
    # medecin02 works in Metz only (medecin01 also in Réunion: their feed holds two zones, tests/web/test_people.py)
    result = live_app.test_cli_runner().invoke(cli, ["feed-url", "medecin02@demo.test"])
    assert result.exit_code == 0, result.output
    url = result.output.strip().replace("http://127.0.0.1", live_server.url)
    with page.expect_download() as info:
        page.evaluate("url => { window.location.href = url; }", url)
    download = info.value
    assert download.suggested_filename == "gardes-snp.ics"
    path = tmp_path / "gardes.ics"
    download.save_as(path)
    events = check_feed(path.read_bytes())
    assert events and all(e["summary"].startswith("Garde SNP — Cabinet de garde") for e in events)
