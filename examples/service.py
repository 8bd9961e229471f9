"""A small order service with the mistakes asynclint is for. Try: asynclint examples/

Each problem below is a pattern found in real asyncio services. To preview the
automatic fixes without changing anything: asynclint --diff --unsafe-fixes examples/
"""
import asyncio
import json
import logging
import time

import requests

from storage import checkpoint

log = logging.getLogger(__name__)

INVENTORY_URL = "https://inventory.example.com/api/items"


class OrderService:
    def __init__(self):
        self.orders = {}
        self.catalogue = None
        self.catalogue_lock = asyncio.Lock()

    async def load_catalogue(self):
        async with self.catalogue_lock:
            if self.catalogue is None:
                # Blocks every other request while the HTTP call is in flight.
                response = requests.get(INVENTORY_URL, timeout=10)
                self.catalogue = response.json()
        return self.catalogue

    async def reserve(self, order_id, items):
        for attempt in range(3):
            if await self.try_reserve(order_id, items):
                return True
            # Meant as a back-off, but it freezes the whole server.
            time.sleep(2**attempt)
        return False

    async def try_reserve(self, order_id, items):
        await asyncio.sleep(0.01)
        self.orders[order_id] = items
        # A sync helper two calls away writes a file on the event loop.
        checkpoint(self.orders)
        return True

    async def send_receipt(self, order_id):
        await asyncio.sleep(0.1)
        log.info("receipt sent for %s", order_id)

    async def place_order(self, order_id, items):
        if not await self.reserve(order_id, items):
            raise RuntimeError("out of stock")
        # Fire and forget: nothing keeps the task, so it may be collected mid-run.
        asyncio.create_task(self.send_receipt(order_id))
        # Forgot the await: the audit entry is never written.
        self.audit(order_id)
        return {"order": order_id, "status": "placed"}

    async def audit(self, order_id):
        loop = asyncio.get_event_loop()
        await loop.run_in_executor(None, log.info, "audit %s", order_id)

    async def shutdown(self):
        try:
            await asyncio.sleep(1)
        except asyncio.CancelledError:
            log.info("shutdown interrupted")


async def main():
    service = OrderService()
    print(json.dumps(await service.place_order("A-1", ["book"])))


if __name__ == "__main__":
    asyncio.run(main())
