"""Every chart downloads from Plotly's own toolbar in the format chosen in the sidebar (AppTest)."""

import json

import pytest
from streamlit.testing.v1 import AppTest

from pagetest import APP


@pytest.mark.parametrize("image_format", ["png", "svg"])
def test_the_toolbar_saves_charts_in_the_sidebars_format(image_format):
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.sidebar.button_group(key="chart_format").set_value(image_format)
    at.switch_page("pages/convolution.py").run()
    assert not at.exception, at.exception
    charts = at.get("plotly_chart")
    assert charts
    for chart in charts:
        download = json.loads(chart.proto.config)["toImageButtonOptions"]
        assert download["format"] == image_format
        assert download["scale"] == (2 if image_format == "png" else 1)
