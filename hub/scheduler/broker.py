"""The embedded broker: kombu's file-system transport, with every file written whole.

kombu's transport (5.x) writes a message by creating its file in the queue folder and then
writing into it. A worker polling the folder in between moves the still-empty file away, reads
nothing and raises ``JSONDecodeError``: in a Celery worker an "Unrecoverable error" that stops it,
and the message is gone. Its exchange tables (``control/<exchange>.exchange``, read on every
send) have the same gap: a new table is created empty and written afterwards, and two processes
creating it at once can leave it garbled or lose a binding.

Here a file is written in a staging folder beside the queue and renamed into place
(``os.replace``, atomic within one file system), so a reader finds either no file or a whole one.
A reader takes a message by renaming it into the processed folder, also beside the queue (kombu
moves it to the system's temporary folder, which is often another file system and then a copy
that two readers can share). Tables change under a lock file. A file that still cannot be read
(left by an older hub killed while writing) is set aside in ``unreadable/`` and logged; it never
stops the worker. The folder layout is kombu's, so existing data dirs keep working.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from queue import Empty
from time import monotonic
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import filesystem, virtual
from kombu.utils.encoding import bytes_to_str, str_to_bytes
from kombu.utils.json import dumps, loads
from kombu.utils.objects import cached_property

log = logging.getLogger(__name__)

#: Celery's ``broker_transport`` for the embedded broker (the URL stays ``filesystem://``).
TRANSPORT = "hub.scheduler.broker:Transport"


class Channel(filesystem.Channel):  # type: ignore[misc]
    """kombu's file-system channel, with atomic writes and private reads."""

    @cached_property
    def staging_folder(self) -> Path:
        """Where files are written before they appear; on the queue's file system."""
        return self._sibling_folder("staging_folder", "staging")

    @cached_property
    def unreadable_folder(self) -> Path:
        return self._sibling_folder("unreadable_folder", "unreadable")

    def _sibling_folder(self, option: str, name: str) -> Path:
        folder = Path(
            self.transport_options.get(option) or Path(self.data_folder_out).parent / name
        )
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def _write_whole(self, target: Path, data: bytes) -> None:
        """Write ``data`` to ``target`` so that no reader ever sees it half-written."""
        fd, staged = tempfile.mkstemp(dir=self.staging_folder, prefix=target.name + ".")
        try:
            with os.fdopen(fd, "wb") as file:
                file.write(data)
            os.replace(staged, target)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.remove(staged)
            raise ChannelError(f"Cannot write {target}") from exc

    # Messages ---------------------------------------------------------------------------------

    def _put(self, queue: str, payload: Any, **kwargs: Any) -> None:
        # kombu's name, so that kombu (and an older hub) read these files too.
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        self._write_whole(Path(self.data_folder_out) / name, str_to_bytes(dumps(payload)))

    def _get(self, queue: str) -> Any:
        wanted = f"{queue}.msg"
        folder = Path(self.data_folder_in)
        taken_folder = Path(self.processed_folder)
        for name in sorted(os.listdir(folder)):
            if name.partition(".")[2] != wanted:
                continue
            taken = taken_folder / name
            try:
                os.rename(folder / name, taken)  # only one reader wins a message
            except FileNotFoundError:
                continue  # another reader took it first
            except OSError as exc:
                raise ChannelError(f"Cannot take {name} from the queue") from exc
            try:
                payload = taken.read_bytes()
            except OSError as exc:
                raise ChannelError(f"Cannot read {taken}") from exc
            try:
                message = loads(bytes_to_str(payload))
            except ValueError:
                self._set_aside(taken)
                continue
            if not self.store_processed:
                taken.unlink(missing_ok=True)
            return message
        raise Empty()

    def _set_aside(self, path: Path) -> None:
        target = self.unreadable_folder / path.name
        os.replace(path, target)
        log.warning(
            "embedded broker: %s could not be read (written by an older hub that stopped while "
            "writing?); it is kept in %s and skipped. Nothing is lost: the dispatcher sends "
            "hints again for work the database still shows as due.",
            path.name,
            target,
        )

    # Exchange tables --------------------------------------------------------------------------

    def _read_table(self, file: Path) -> list[filesystem.exchange_queue_t]:
        try:
            data = file.read_bytes()
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise ChannelError(f"Cannot open {file}") from exc
        try:
            return [filesystem.exchange_queue_t(*entry) for entry in loads(bytes_to_str(data))]
        except (ValueError, TypeError):
            # Only kombu's in-place writes leave such a table; the next bind writes it anew.
            log.warning("embedded broker: table %s could not be read; starting it anew", file)
            return []

    @contextlib.contextmanager
    def _table_lock(self, file: Path) -> Iterator[None]:
        with open(file.with_name(file.name + ".lock"), "ab") as lock:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock.fileno(), fcntl.LOCK_UN)

    def get_table(self, exchange: str) -> list[filesystem.exchange_queue_t]:
        # Tables are replaced whole, never written in place: reading needs no lock.
        return self._read_table(self._exchange_file(exchange))

    def _queue_bind(self, exchange: str, routing_key: str, pattern: str, queue: str) -> None:
        file = self._exchange_file(exchange)
        self.control_folder.mkdir(parents=True, exist_ok=True)
        entry = filesystem.exchange_queue_t(routing_key or "", pattern or "", queue or "")
        with self._table_lock(file):
            table = self._read_table(file)
            if entry not in table:
                table = [entry, *(e for e in table if e != entry)]
                self._write_whole(file, str_to_bytes(dumps(table)))

    def _delete(
        self, queue: str, exchange: str, routing_key: str, pattern: str, *args: Any, **kwargs: Any
    ) -> None:
        virtual.Channel._delete(self, queue, exchange, routing_key, pattern, *args, **kwargs)
        file = self._exchange_file(exchange)
        entry = filesystem.exchange_queue_t(routing_key or "", pattern or "", queue or "")
        with self._table_lock(file):
            table = self._read_table(file)
            if entry in table:
                self._write_whole(file, str_to_bytes(dumps([e for e in table if e != entry])))


class Transport(filesystem.Transport):  # type: ignore[misc]
    """The file-system transport with :class:`Channel`."""

    Channel = Channel
    global_state = virtual.BrokerState()
    driver_name = "hub-filesystem"

    @property
    def default_connection_params(self) -> dict[str, Any]:
        """No host and no port: a folder has neither. kombu's default ("localhost") made every
        worker start log "No hostname was supplied" as a warning, twice."""
        return {}
