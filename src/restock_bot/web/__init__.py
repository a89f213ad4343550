"""The web app: public board, distributor portal, marketing's gift desk and the JSON API (aiohttp).

Pages (each with a `.json` twin):
  GET  /                                         the public board (auto-refreshing); /board.json
  GET  /distributors/{id}                        a distributor's queue, highest priority, then deadline, first
  GET  /distributors/{id}/tickets/{ticket}       a ticket with its history (who, when, why)
  POST /distributors/{id}/tickets/{ticket}       action=acknowledge|restocked|not-a-stockout, who, why
  GET  /gifts?state=…   POST /gifts/{gift}       the gift desk; action=approve|reject|shipped, who, note
  GET  /gifts.csv?state=…                        the gift queue for a spreadsheet
  GET  /reporters                                reporters, most active first
  GET|POST /distributors/{id}/login, /gifts/login; POST …/logout
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
  POST /api/gifts/{gift}/{approve|reject|shipped}  {"who", "note"}
  GET  /api/reporters
  GET  /healthz
Access: see access.py."""

from restock_bot.web.app import create_web_app

__all__ = ["create_web_app"]
