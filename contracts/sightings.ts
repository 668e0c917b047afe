/**
 * A plate sighting as the API answers it (GET /api/v1/vehicles/…, docs/api.md) and the
 * dashboard draws it: shared by analytics/vehicles.ts and api/web.
 */
export interface PlateSighting {
  id: string;
  tsMs: number;
  plate: string;
  camera: string;
  color: string;
  vehicleType: string;
  plateScore: number;
  direction: string;
  snapshot: string;
}
