"""Writes of the cases app, one module per sub-domain (see /work/notes/cases-contract.md):

- apply: drafts, materials (upload / e-license / shared data / paper), submit, withdraw, 补正
- lifecycle: pre-review, accept / not accept / correction, workflow steps, decisions, 办结,
  delivery, special procedures, extensions, claim / assign, batch, 告知承诺 follow-up
- clock: working-day limits, pauses, traffic-light state
- routing: handling and accepting units (跨省通办)
- bundles: 一件事
- appointments: 预约办
- notifications: site messages and SMS / email dispatch
- instant: per-item settings and 秒批 rules
- supervision: 视为受理 and escalation sweeps
"""
