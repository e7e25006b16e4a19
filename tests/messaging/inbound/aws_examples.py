"""Old path of tests.support.aws, for the other apps' tests until they import the new one."""
from tests.support.aws import *  # noqa: F401,F403
