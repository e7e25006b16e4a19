"""When work runs: the one way into django-q2's queue, and durable timers on top of it.

Nothing here knows what the work is, so every other stage may depend on it.
"""
