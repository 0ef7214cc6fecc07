/**
 * Whether two equality selectors (matchLabels) can select the same pod: they can unless some label
 * appears in both with different values. Two Releases whose selectors overlap would count, probe and
 * scale each other's pods, so the newer one is refused.
 */
export function selectorsOverlap(a: Record<string, string>, b: Record<string, string>): boolean {
  return Object.entries(a).every(([key, value]) => !(key in b) || b[key] === value);
}

export interface SelectorOwner {
  namespace: string;
  name: string;
  uid: string;
  /** RFC 3339; the older Release keeps its pods. */
  createdAt: string;
  matchLabels: Record<string, string>;
}

/** The Releases that were there first and select pods this one would select too. */
export function olderOverlapping(self: SelectorOwner, others: SelectorOwner[]): SelectorOwner[] {
  const older = (other: SelectorOwner): boolean =>
    other.createdAt < self.createdAt || (other.createdAt === self.createdAt && other.name < self.name);
  return others.filter(
    (other) => other.uid !== self.uid && older(other) && selectorsOverlap(self.matchLabels, other.matchLabels),
  );
}
