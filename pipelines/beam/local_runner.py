"""The local runner with warm workers (pipelines/beam/warm_workers.py) for its multi-process mode.

Beam's FnApiRunner fixes the worker command of ``--direct_running_mode=multi_processing`` to
``python -m apache_beam.runners.worker.sdk_worker_main``; this runner gives it the warm workers'
launcher instead and is otherwise the same runner, with the same options.
"""
from __future__ import annotations

from apache_beam.options.pipeline_options import DirectOptions
from apache_beam.runners.portability.fn_api_runner import FnApiRunner
from apache_beam.transforms.environments import SubprocessSDKEnvironment


class WarmWorkerRunner(FnApiRunner):
    def __init__(self, worker_command: str):
        super().__init__(default_environment=SubprocessSDKEnvironment.from_command_string(worker_command))

    def run_pipeline(self, pipeline, options):
        # FnApiRunner replaces the default environment for a named running mode; without one it
        # keeps ours, and direct_num_workers still sets how many workers it starts.
        direct = options.view_as(DirectOptions)
        mode, direct.direct_running_mode = direct.direct_running_mode, None
        try:
            return super().run_pipeline(pipeline, options)
        finally:
            direct.direct_running_mode = mode
