"""The applicant's side of online case handling (办件, issue #6), in the portal:

- apply.py         start an application from a guide (or a 一件事 bundle page), the form built
                   from the guide's form definition with save-as-you-go, the materials (upload,
                   e-license / shared data instead of paper: 免提交), review and submit
- mine.py          我的办件 list and detail: timeline, 补正 response, 容缺 material, withdraw,
                   decision and delivery; site messages (站内信)
- progress.py      progress query by case number and verification code, without signing in
- appointments.py  预约办: book a window slot at a service hall, my appointments, cancel

Thin like the other portal views: every read goes through tongban.cases.selectors (and the
access funnels in tongban.cases.permissions), every write through tongban.cases.services; a case
that is not the caller's answers 404 exactly like a missing one."""
