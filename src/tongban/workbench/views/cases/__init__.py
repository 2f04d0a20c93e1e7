"""The staff side of online case handling (办件): queues, one case with its actions, the window
counter (一窗受理 / 跨省通办), supervision (效能监察), 秒批 settings and the appointment day list.

Views stay thin: every read goes through tongban.cases.selectors / permissions (scoped to the
caller; outside the scope is 404), every write through tongban.cases.services."""
