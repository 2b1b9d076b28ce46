"""The AMQP publisher of the outbox's ``amqp`` subscribers (RabbitMQ or any AMQP 0-9-1 broker).

Publisher confirms (``confirm_delivery``): a publish returns only once the broker has taken
responsibility for the message (persisted to a durable queue), and a message the broker cannot route
(``mandatory``) or refuses (nack) raises, so the delivery is retried. Messages are persistent, carry
the event id as ``message_id`` (the consumer's idempotency key) and the same signature headers as a
webhook. The subscriber's exchange and queues are the receiving department's: the publisher declares
nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pika
import pika.exceptions


class AmqpError(Exception):
    """The broker did not take a message (unreachable, unroutable, refused)."""


class AmqpPublisher:
    """One connection and one confirming channel; not thread-safe (one per deliverer thread)."""

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        params = pika.URLParameters(url)
        params.socket_timeout = timeout
        params.blocked_connection_timeout = timeout
        params.connection_attempts = 1
        try:
            self._conn = pika.BlockingConnection(params)
            self._channel = self._conn.channel()
            self._channel.confirm_delivery()
        except pika.exceptions.AMQPError as e:
            raise AmqpError(f"AMQP broker unreachable: {type(e).__name__} {e}") from e

    def publish(
        self, exchange: str, routing_key: str, body: bytes, message_id: str, headers: Mapping[str, str], timestamp: int
    ) -> None:
        """Publish one persistent message and wait for the broker's confirm; raises :class:`AmqpError`."""
        props = pika.BasicProperties(
            content_type="application/json",
            content_encoding="utf-8",
            delivery_mode=pika.DeliveryMode.Persistent,
            message_id=message_id,
            timestamp=timestamp,
            headers=dict(headers),
        )
        try:
            self._channel.basic_publish(exchange, routing_key, body, properties=props, mandatory=True)
        except pika.exceptions.UnroutableError:
            raise AmqpError(f"unroutable: no queue bound to {exchange}/{routing_key}") from None
        except pika.exceptions.NackError:
            raise AmqpError("the broker refused the message (nack)") from None
        except pika.exceptions.AMQPError as e:
            raise AmqpError(f"{type(e).__name__}: {e}") from e

    @property
    def is_open(self) -> bool:
        return bool(self._conn.is_open and self._channel.is_open)

    def close(self) -> None:
        try:
            if self._conn.is_open:
                self._conn.close()
        except pika.exceptions.AMQPError:
            pass

    def __enter__(self) -> AmqpPublisher:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
