"""The audit trail: who read or changed personal data, and when.

Low in the layers so that every package that shows or changes personal data (members, visits,
events, privacy) records it here; ``roaming.privacy`` lists the trail.
"""
