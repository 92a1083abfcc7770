"""Sub-commands of this group are not built yet."""


def register(subparsers):
    """Add this group's sub-commands to the ``radiogenomics`` parser (none yet)."""
