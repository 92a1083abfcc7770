"""Errors raised by the archive clients, the DICOM readers and the convert command.

Each one is a :class:`radiogenomics.errors.RadiogenomicsError`, so the command line prints its
message without a traceback.
"""

from __future__ import annotations

from radiogenomics.errors import RadiogenomicsError


class DicomError(RadiogenomicsError):
    """A DICOM folder or file cannot be turned into a consistent volume or mask."""


class ArchiveError(RadiogenomicsError):
    """An archive request failed, timed out or returned an incomplete or invalid response."""


class OutputExistsError(RadiogenomicsError):
    """The output path exists and may not be replaced as requested."""


class DownloadError(ArchiveError):
    """A download failed or arrived incomplete; no partial file is left at the target path."""
