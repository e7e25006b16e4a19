"""Placeholder until the shifts issue lands: takes no message."""


def shift_command_handler(inbound):
    return None
