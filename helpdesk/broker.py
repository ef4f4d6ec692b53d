"""The embedded Celery broker (``filesystem://``, what `make run` uses): kombu's filesystem
transport, with each message file written whole before any reader can see it.

kombu creates the message file under its final name and only then writes it. A worker that
lists the folder in between takes the empty file: it fails to decode it and stops, and the
message is lost (https://github.com/celery/kombu/issues/1551). Here the message is written
under a name no reader takes (``….msg.part``) and renamed into place, which is atomic
within one folder."""

import contextlib
import os
import uuid
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps

# A reader takes the files whose name after the first dot is "<queue>.msg".
PARTIAL_SUFFIX = ".part"


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        """Put ``payload`` onto ``queue``: named, like kombu's own, by the time in
        milliseconds (readers take files in name order) and a random part."""
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        partial = final + PARTIAL_SUFFIX
        try:
            with open(partial, "wb") as file:
                file.write(str_to_bytes(dumps(payload)))
            os.replace(partial, final)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.unlink(partial)
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel
