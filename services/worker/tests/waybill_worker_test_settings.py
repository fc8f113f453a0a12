"""Django settings of the worker processes that the tests start.

The test settings (files on disk under MEDIA_ROOT, shared with the test) and
the overrides a test asks for in ``WAYBILL_TEST_SETTINGS`` (JSON).
"""

import json
import os

from waybill_django.config.settings.test import *  # noqa: F403 - extends Django's test settings by star import (Django convention)

globals().update(json.loads(os.environ.get("WAYBILL_TEST_SETTINGS", "{}")))
