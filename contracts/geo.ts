/** Geodesy shared by the API and the dashboard (dependency-free, so the page bundles it). */

export interface LatLon {
  lat: number;
  lon: number;
}

/** Great-circle distance in metres (haversine, WGS-84 mean radius). */
export function haversineM(a: LatLon, b: LatLon): number {
  const R = 6_371_008.8;
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * R * Math.asin(Math.min(1, Math.sqrt(h)));
}
