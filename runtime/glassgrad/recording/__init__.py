"""Events, the run store and the live channel: every run is a record others can read and steer.

``gg.record(...)`` records into a run store (read it with ``glassgrad.runs``);
``serve_live()`` serves events and control on loopback. See docs/run-store.md and
docs/live-channel.md.
"""

from .events import SCHEMA_VERSION, Observer, attach, detach, uid
from .recorder import AnomalyError, Recorder, RecordOptions, record

__all__ = ["SCHEMA_VERSION", "Observer", "attach", "detach", "uid", "Recorder",
           "RecordOptions", "record", "AnomalyError"]
