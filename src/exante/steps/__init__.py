"""``exante steps``: step-level reasoning preference optimisation (SAFER; STAIR, Step-DPO).

Pairs share the prompt and the policy's own trace up to a decision step and differ in the next
step only; alternatives are valued by Monte-Carlo roll-outs scored with the safety reward, and
DPO trains on the step tokens with the prefix as context (docs/steps.md, METHODS.md §5).
"""
