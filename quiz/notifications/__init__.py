"""E-mail through an outbox: messages are rows written in the transaction of the event that causes
them, and sent later by `send_due_messages()` (quiz.notifications.sender), retried, once each.

The package is called by the others and calls none of them.
"""
