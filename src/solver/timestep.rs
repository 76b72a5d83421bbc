//! The time step of a run: adaptive (it follows the largest speed in the fluid towards a target
//! Courant number) or fixed. Host-side logic only; the speed comes from `solver/speed_max`
//! ([`super::gpu_solver::CapValues::speed_max`]), read back with the cap values.
//!
//! The adaptive step keeps the Courant number C = max_cells(sum_i |u_i|) dt / h in a band just
//! under the target: a step whose C would pass the target is cut at once to [`AIM`] times the
//! target's dt; one whose C is under [`LOW`] times the target grows by at most [`GROWTH`] per step
//! (and again to at most [`AIM`] of the target). Between the two, dt stays as it is, so a steady
//! flow runs at one dt (each change of dt costs the pressure a transient: the Rhie-Chow face
//! velocities carry dt). A step that went bad (a speed that is not finite, or C past
//! [`REJECT`] times the target) is undone by the caller and retried with a smaller dt, at most
//! [`RETRIES`] times. Steps land exactly on the run's events (snapshots, checkpoints, cycle ends,
//! the end): the way to the next event is split into equal steps of at most dt.

/// A cut goes to this fraction of the target's dt.
pub const AIM: f64 = 0.97;
/// Below this fraction of the target Courant number, dt grows.
pub const LOW: f64 = 0.93;
/// The most dt grows from one step to the next.
pub const GROWTH: f64 = 1.2;
/// A step whose Courant number passed this multiple of the target is retried.
pub const REJECT: f64 = 2.0;
/// Retries of one step before the run gives up.
pub const RETRIES: usize = 4;

/// The time step's state.
#[derive(Clone, Debug, PartialEq)]
pub struct TimeStep {
    /// Target Courant number (sum_i |u_i| dt / h).
    pub cfl: f64,
    /// Grid spacing, m.
    pub h: f64,
    /// The largest dt allowed (s): the viscous bound, or the fixed dt.
    pub dt_max: f64,
    /// The next step's dt unless an event comes sooner, s.
    pub dt: f64,
    /// A fixed dt (never adapted, never retried).
    pub fixed: bool,
}

impl TimeStep {
    /// An adaptive step aiming at Courant number `cfl` on spacing `h` (m), starting at `dt` and
    /// never above `dt_max` (s).
    pub fn adaptive(cfl: f64, h: f64, dt: f64, dt_max: f64) -> TimeStep {
        TimeStep { cfl, h, dt_max, dt: dt.min(dt_max), fixed: false }
    }

    /// A fixed step of `dt` (s); `cfl` (the advection's limit) and `h` only say when a step went
    /// bad (Courant number past [`REJECT`] times `cfl`).
    pub fn fixed(dt: f64, cfl: f64, h: f64) -> TimeStep {
        TimeStep { cfl, h, dt_max: dt, dt, fixed: true }
    }

    /// The Courant number of a step of `dt` (s) at largest speed `speed` (sum_i |u_i|, m/s).
    pub fn courant(&self, speed: f64, dt: f64) -> f64 {
        speed * dt / self.h
    }

    /// The step to take from `time` when the next event is at `event` (s): the rest of the way
    /// in equal steps of at most dt (within rounding). Equal steps, not dt and a remainder: the
    /// pressure answers a change of dt with a transient (the Rhie-Chow face velocities carry
    /// dt), so the steps change as little as they can.
    pub fn towards(&self, time: f64, event: f64) -> f64 {
        let rest = event - time;
        if !rest.is_finite() {
            // No event ahead (a steady run without an end).
            return self.dt;
        }
        let steps = (rest / self.dt * (1.0 - 1e-9)).ceil().max(1.0);
        rest / steps
    }

    /// Whether a step of `dt` (s) that ended at largest speed `speed` (m/s) went bad.
    pub fn rejects(&self, speed: f64, dt: f64) -> bool {
        !speed.is_finite() || self.courant(speed, dt) > REJECT * self.cfl
    }

    /// After an accepted step that ended at largest speed `speed` (m/s): the next dt.
    pub fn accept(&mut self, speed: f64) {
        if self.fixed {
            return;
        }
        let target = if speed > 0.0 { self.cfl * self.h / speed } else { f64::INFINITY };
        let c = self.courant(speed, self.dt);
        if c > self.cfl {
            self.dt = AIM * target;
        } else if c < LOW * self.cfl {
            self.dt = (GROWTH * self.dt).min(AIM * target);
        }
        self.dt = self.dt.min(self.dt_max);
    }

    /// After a step of `dt` (s) was rejected at largest speed `speed` (m/s): a smaller dt,
    /// between an eighth and half of `dt` (the speed's target dt where that lies between).
    /// False for a fixed step, which cannot be retried.
    pub fn reject(&mut self, speed: f64, dt: f64) -> bool {
        if self.fixed {
            return false;
        }
        let target = if speed.is_finite() && speed > 0.0 { AIM * self.cfl * self.h / speed } else { 0.0 };
        self.dt = target.clamp(dt / 8.0, dt / 2.0);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_steady_speed_settles_in_the_band_and_stays() {
        let mut t = TimeStep::adaptive(0.5, 1e-3, 1e-5, 1.0);
        for _ in 0..100 {
            t.accept(1.0);
        }
        let c = t.courant(1.0, t.dt);
        assert!((LOW * 0.5..=0.5).contains(&c), "Courant number {c}");
        let dt = t.dt;
        t.accept(1.0);
        assert_eq!(t.dt, dt, "no change inside the band");
        // A faster flow cuts at once, to AIM of the target.
        t.accept(2.0);
        assert!((t.courant(2.0, t.dt) - AIM * 0.5).abs() < 1e-12);
    }

    #[test]
    fn growth_is_limited_and_the_viscous_bound_holds() {
        let mut t = TimeStep::adaptive(0.5, 1e-3, 1e-5, 3e-5);
        t.accept(1e-6);
        assert!((t.dt - GROWTH * 1e-5).abs() < 1e-18, "{}", t.dt);
        for _ in 0..20 {
            t.accept(1e-6);
        }
        assert_eq!(t.dt, 3e-5);
    }

    #[test]
    fn steps_land_on_events_without_slivers() {
        let t = TimeStep::adaptive(0.5, 1e-3, 0.3, 1.0);
        assert_eq!(t.towards(0.0, 1.0), 0.25, "four equal steps");
        assert!((t.towards(0.6, 1.0) - 0.2).abs() < 1e-15, "0.4 left: two halves");
        assert!((t.towards(0.8, 1.0) - 0.2).abs() < 1e-15, "the rest");
        assert!((t.towards(0.0, 0.6 * (1.0 + 1e-12)) - 0.3).abs() < 1e-12, "no sliver for rounding");
    }

    #[test]
    fn a_rejected_step_retries_smaller_and_a_fixed_one_cannot() {
        let mut t = TimeStep::adaptive(0.5, 1e-3, 1e-3, 1.0);
        assert!(t.rejects(f64::NAN, 1e-3) && t.rejects(1.01, 1e-3) && !t.rejects(0.99, 1e-3));
        assert!(t.reject(f64::INFINITY, 1e-3));
        assert_eq!(t.dt, 1e-3 / 8.0);
        // A speed whose own dt lies between an eighth and half of the failed one: that dt.
        assert!(t.reject(1.2, 1e-3));
        assert!((t.dt - AIM * 0.5e-3 / 1.2).abs() < 1e-15, "{}", t.dt);
        assert!(t.reject(0.6, 1e-3));
        assert_eq!(t.dt, 0.5e-3, "at most half");
        let mut f = TimeStep::fixed(1e-3, 0.5, 1e-3);
        assert!(!f.reject(2.0, 1e-3));
        f.accept(10.0);
        assert_eq!(f.dt, 1e-3);
    }
}
