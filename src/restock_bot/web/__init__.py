"""The web app: public board, distributor portal, marketing's gift desk and the JSON API (aiohttp).

Pages (most with a `.json` twin):
  GET  /   /board.json                             the public board (live through static/board.js)
  GET  /distributors/{id}   (+ .json, .csv)         a distributor's queue: least time left first, filters
  GET  /area-managers/{id}  (+ .json, .csv)         an area manager's queue over the distributors under them
  POST /distributors/{id}/acknowledge, /area-managers/{id}/acknowledge   bulk acknowledge (ticket=…)
  GET  /distributors/{id}/tickets/{ticket}  (+ .json)   a ticket: reports, store, events
  POST /distributors/{id}/tickets/{ticket}        action=acknowledge|restocked|not-a-stockout|cannot-supply
  GET  /gifts?state=…  (+ .json, .csv)   GET /gifts/approved.csv (the batch for fulfilment)
  POST /gifts/{gift}                              action=approve|hold|reject|shipped|thank-you|claim-link
  GET  /reporters  (+ .json)                      reporters with history and signals; the leaderboard
  GET|POST /claim/{token}                         the reporter gives a shipping address, once
  GET|POST …/login, POST …/logout                 per distributor, per area manager, the gift desk
  GET|POST /act/{token}                          a signed action link from a notification (action_links.py)
JSON API:
  GET  /api/board
  GET  /api/distributors/{id}/tickets
  GET  /api/distributors/{id}/tickets/{ticket}
  POST /api/distributors/{id}/tickets/{ticket}/{acknowledge|restocked|not-a-stockout}  {"who", "why"}
  POST /api/distributors/{id}/tickets/{ticket}/cannot-supply  {"who", "why", "promised_date"}
  POST /api/operations/tickets/{ticket}/approve-new-date  {"who", "why"}
  GET  /api/operations/dead-letters   POST /api/operations/dead-letters/{outbox}/{id}/retry
  GET  /api/operations/distributors/{id}   a distributor's record, reopenings counted against it
  GET  /api/gifts?state=…
  POST /api/gifts/{gift}/{approve|hold|reject|shipped}  {"who", "note"}, shipped: {"who", "tracking"}
  GET  /api/reporters
  GET  /healthz
Access: see access.py."""

from restock_bot.web.app import create_web_app

__all__ = ["create_web_app"]
