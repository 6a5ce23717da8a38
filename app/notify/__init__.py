"""Telling whoever must act (通知): the policy, the outbox it fills, and the channels that deliver it."""
