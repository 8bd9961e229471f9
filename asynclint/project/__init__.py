"""The project index: what each file tells the others, linking pending findings against
it, and which entries each file looked up. Free of LibCST, so cached runs link without it."""
