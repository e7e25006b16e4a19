"""Old path of tests.support.sns, for the other apps' tests until they import the new one."""
from tests.support.sns import *  # noqa: F401,F403
