"""``weatherkit``: a foreign project, as a team adopting cassette-contracts would have it.

A small package of its own with one client per HTTP library vcrpy records (``requests``,
``httpx`` and ``aiohttp``) for its own API (the fake one in ``weather_api.py``), and tests that
use pytest-recording's ``@pytest.mark.vcr`` with its defaults. Nothing here is copied from this
repository: the project knows cassette-contracts only as an installed package, and its
settings come from the README's quickstart (:func:`write_project` takes them as text).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

#: The real base URL of the (fake) service; never reached: recording goes to 127.0.0.1.
REAL_URL = "https://api.weatherkit.example"
#: The environment variable that points the clients elsewhere.
URL_VARIABLE = "WEATHERKIT_URL"

PROJECT_TABLE = """\
[project]
name = "weatherkit"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = ["requests", "httpx", "aiohttp"]

"""

# pytest finds the package without installing it (a team would `pip install -e .`).
PYTEST_TABLE = "[tool.pytest.ini_options]"
PYTEST_PATH = 'pythonpath = ["src"]'

FILES = {
    "src/weatherkit/__init__.py": '''
        """weatherkit: clients of the Weatherkit API."""
        ''',
    "src/weatherkit/_config.py": f'''
        import os

        REAL_URL = "{REAL_URL}"


        def base_url() -> str:
            """The API's base URL; ${URL_VARIABLE} points it elsewhere (a staging server)."""
            return os.environ.get("{URL_VARIABLE}", REAL_URL).rstrip("/")
        ''',
    # requests: current conditions (gzip JSON) and the radar, which can be down (503 text).
    "src/weatherkit/current.py": """
        import requests

        from ._config import base_url


        class RadarUnavailable(Exception):
            def __init__(self, message: str, retry_after: int) -> None:
                super().__init__(message)
                self.retry_after = retry_after


        def current(city: str) -> dict:
            response = requests.get(f"{base_url()}/v1/current/{city}", timeout=5)
            response.raise_for_status()
            payload = response.json()
            return {
                "city": payload["city"],
                "temperature_c": payload["temperature_c"],
                "humidity": payload.get("humidity"),  # some stations report none
            }


        def radar(region: str) -> bytes:
            response = requests.get(f"{base_url()}/v1/radar/{region}", timeout=5)
            if response.status_code == 503:
                retry_after = int(response.headers["Retry-After"])
                raise RadarUnavailable(response.text.strip(), retry_after)
            response.raise_for_status()
            return response.content
        """,
    # httpx (sync): the forecast (gzip JSON) and dismissing an alert (204).
    "src/weatherkit/forecast.py": """
        import httpx

        from ._config import base_url


        def forecast(city: str, days: int = 3) -> list[tuple[str, float, float]]:
            with httpx.Client(base_url=base_url(), timeout=5) as client:
                response = client.get(f"/v1/forecast/{city}", params={"days": days})
                response.raise_for_status()
                payload = response.json()
            return [(day["date"], day["high_c"], day["low_c"]) for day in payload["days"]]


        def dismiss_alert(alert_id: int) -> bool:
            with httpx.Client(base_url=base_url(), timeout=5) as client:
                response = client.delete(f"/v1/alerts/{alert_id}")
            response.raise_for_status()
            return response.status_code == 204
        """,
    # aiohttp: a station (gzip JSON) and a live stream of observations (server-sent events).
    "src/weatherkit/stations.py": """
        import json

        import aiohttp

        from ._config import base_url


        async def station(station_id: str) -> tuple[str, float, float]:
            async with aiohttp.ClientSession() as session:
                async with session.get(f"{base_url()}/v1/stations/{station_id}") as response:
                    response.raise_for_status()
                    payload = await response.json()
            return payload["name"], payload["location"]["lat"], payload["location"]["lon"]


        async def observations(city: str) -> list[float]:
            url = f"{base_url()}/v1/observations/{city}/stream"
            async with aiohttp.ClientSession() as session:
                async with session.get(url) as response:
                    response.raise_for_status()
                    text = await response.text()
            data = [line[6:] for line in text.splitlines() if line.startswith("data: ")]
            return [json.loads(event)["temperature_c"] for event in data]
        """,
    "tests/test_weather.py": """
        import asyncio

        import pytest

        from weatherkit import current, forecast, stations


        @pytest.mark.vcr
        def test_current_conditions():
            now = current.current("oslo")
            assert now["city"] == "Oslo"
            assert isinstance(now["temperature_c"], float)


        @pytest.mark.vcr
        def test_radar_down_says_when_to_retry():
            with pytest.raises(current.RadarUnavailable) as caught:
                current.radar("nordic")
            assert caught.value.retry_after == 120


        @pytest.mark.vcr
        def test_forecast_has_the_days_asked_for():
            assert len(forecast.forecast("lisbon", days=3)) == 3


        @pytest.mark.vcr
        def test_dismiss_alert():
            assert forecast.dismiss_alert(42)


        @pytest.mark.vcr
        def test_station_location():
            name, lat, lon = asyncio.run(stations.station("OSL-12"))
            assert name == "Oslo Blindern"
            assert -90 <= lat <= 90 and -180 <= lon <= 180


        @pytest.mark.vcr
        def test_observation_stream():
            assert len(asyncio.run(stations.observations("oslo"))) == 3
        """,
}


def write_project(root: Path, settings_toml: str) -> Path:
    """Write weatherkit into ``root`` with ``settings_toml`` (the README's) in pyproject.toml."""
    root.mkdir(parents=True, exist_ok=True)
    settings = settings_toml.strip() + "\n"
    if PYTEST_TABLE in settings:
        settings = settings.replace(PYTEST_TABLE, f"{PYTEST_TABLE}\n{PYTEST_PATH}", 1)
    else:
        settings += f"\n{PYTEST_TABLE}\n{PYTEST_PATH}\n"
    (root / "pyproject.toml").write_text(PROJECT_TABLE + settings, encoding="utf-8")
    for relative, text in FILES.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return root


def line_of(root: Path, relative: str, needle: str) -> int:
    """The 1-based line of ``relative`` that holds ``needle`` (exactly one)."""
    lines = (root / relative).read_text(encoding="utf-8").splitlines()
    found = [number for number, line in enumerate(lines, 1) if needle in line]
    assert len(found) == 1, f"{needle!r} in {relative}: lines {found}"
    return found[0]
