"""Print the OpenAPI document of /api/v1 (the same as /api/openapi.json), for integrators and diffs."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand

from tongban.api.api import api


class Command(BaseCommand):
    help = "Print the OpenAPI document of /api/v1 as JSON."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--output", "-o", default="", help="write to this file instead of stdout"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        document = json.dumps(
            api.get_openapi_schema(path_prefix="/api/v1"), ensure_ascii=False, indent=2
        )
        if options["output"]:
            with open(options["output"], "w", encoding="utf-8") as f:
                f.write(document + "\n")
            self.stdout.write(f"OpenAPI written to {options['output']}")
        else:
            self.stdout.write(document)
