"""Alerts: a pair approaching and entering its replacement window, raised once per level.

- `levels`: the wear levels in order and the sentences that describe them.
- `planning`: what is due (pure), recording it, the message texts, snooze and the check sequence.
- `outbox`: the queue of deliveries per channel, with retries; the senders are in `shoetrack.notify`.

One way only: planning -> outbox -> notify.
"""
