"""Periodic and queued work of the inbound channels."""
