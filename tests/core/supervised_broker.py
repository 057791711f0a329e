"""A broker module for a bare `dramatiq` worker started by the supervisor tests: nothing to do, just alive."""

import dramatiq
from dramatiq.brokers.stub import StubBroker

dramatiq.set_broker(StubBroker())
