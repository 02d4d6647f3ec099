"""Name why a request failed, for the ``newsflow/fetch_failed/<reason>`` and ``discovery/failed/...`` stats.

Scrapy hands an errback a Failure whose exception class depends on the download handler
and the Twisted version; the stats need a short, stable reason a person can act on.
"""

from __future__ import annotations

from scrapy import exceptions as scrapy_errors
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet import error as tx_error
from twisted.internet.defer import CancelledError
from twisted.python.failure import Failure
from twisted.web.client import ResponseFailed, ResponseNeverReceived

from spiders.addresses import RefusedRequest

_TIMEOUTS = (scrapy_errors.DownloadTimeoutError, tx_error.TimeoutError, tx_error.TCPTimedOutError)
_LOST = (scrapy_errors.ResponseDataLossError, ResponseFailed, ResponseNeverReceived,
         tx_error.ConnectionLost, tx_error.ConnectionDone, scrapy_errors.DownloadFailedError)
_REFUSED = (scrapy_errors.DownloadConnectionRefusedError, tx_error.ConnectionRefusedError)
_DNS = (scrapy_errors.CannotResolveHostError, tx_error.DNSLookupError)


def failure_reason(failure: Failure) -> str:
    """``http_<status>``, ``too_large``, ``timeout``, ``connection_lost``, ``connection_refused``, ``dns``,
    ``refused_<why>`` (the address guard), ``robots_txt``, ``ignored``, else the exception's class name."""
    value = failure.value
    if isinstance(value, HttpError):
        return f"http_{value.response.status}"
    if isinstance(value, RefusedRequest):
        return f"refused_{value.reason}"
    message = str(value)
    # DOWNLOAD_MAXSIZE: announced size (cancelled before the body), bytes received, or a
    # Content-Encoding body that expanded past it (HttpCompressionMiddleware's IgnoreRequest).
    if "max size" in message or "DOWNLOAD_MAXSIZE" in message:
        return "too_large"
    if isinstance(value, scrapy_errors.IgnoreRequest):
        return "robots_txt" if "robots.txt" in message else "ignored"
    if isinstance(value, _TIMEOUTS):
        return "timeout"
    if isinstance(value, _LOST):
        return "connection_lost"
    if isinstance(value, _REFUSED):
        return "connection_refused"
    if isinstance(value, _DNS):
        return "dns"
    if isinstance(value, (CancelledError, scrapy_errors.DownloadCancelledError)):
        # Scrapy cancels a body in flight only when it grows past DOWNLOAD_MAXSIZE (a timeout is its own error).
        return "too_large"
    return type(value).__name__
