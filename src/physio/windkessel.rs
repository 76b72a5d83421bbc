//! Zero-dimensional models of the vascular bed beyond an outlet: the pressure they impose on the
//! outlet cap from the flow through it. Flow q in m^3/s, positive out of the 3D domain;
//! pressures in Pa; resistances in Pa s/m^3; compliance in m^3/Pa.
//!
//! The coupling is explicit: each step imposes [`Outlet0d::pressure`] of the flow of the step
//! before, then advances the model's state over the step with the flow the step produced
//! ([`Outlet0d::advance`]). The RCR's capacitor is advanced exactly for a flow held constant over
//! the step, so the 0D part adds no time-stepping error of its own.

use super::waveform::Waveform;

/// What an outlet imposes.
#[derive(Clone, Debug)]
pub enum Outlet0d {
    /// A pressure over time (Pa).
    Pressure(Waveform),
    /// p = pd + r q.
    Resistance {
        /// Resistance, Pa s/m^3.
        r: f64,
        /// Distal pressure, Pa.
        pd: f64,
    },
    /// Three-element Windkessel: p = pc + rp q, with C dpc/dt = q - (pc - pd) / rd.
    Rcr {
        /// Proximal resistance, Pa s/m^3.
        rp: f64,
        /// Compliance, m^3/Pa.
        c: f64,
        /// Distal resistance, Pa s/m^3.
        rd: f64,
        /// Distal pressure, Pa.
        pd: f64,
        /// Capacitor pressure (the state), Pa.
        pc: f64,
    },
}

impl Outlet0d {
    /// The outlet pressure (Pa) at time `t` (s) for the flow `q` (m^3/s, out of the domain).
    pub fn pressure(&self, t: f64, q: f64) -> f64 {
        match self {
            Outlet0d::Pressure(w) => w.value(t),
            Outlet0d::Resistance { r, pd } => pd + r * q,
            Outlet0d::Rcr { rp, pc, .. } => pc + rp * q,
        }
    }

    /// Advances the state over `dt` (s) with the flow `q` held constant.
    pub fn advance(&mut self, q: f64, dt: f64) {
        if let Outlet0d::Rcr { c, rd, pd, pc, .. } = self {
            let target = *pd + *rd * q;
            *pc = target + (*pc - target) * (-dt / (*rd * *c)).exp();
        }
    }

    /// The total resistance to a steady flow (Pa s/m^3): r, rp + rd, or None for a pressure.
    pub fn steady_resistance(&self) -> Option<f64> {
        match self {
            Outlet0d::Pressure(_) => None,
            Outlet0d::Resistance { r, .. } => Some(*r),
            Outlet0d::Rcr { rp, rd, .. } => Some(rp + rd),
        }
    }

    /// The state: an RCR's capacitor pressure (Pa), 0 for the others.
    pub fn state(&self) -> f64 {
        match self {
            Outlet0d::Rcr { pc, .. } => *pc,
            _ => 0.0,
        }
    }

    /// Sets the state [`Self::state`] gave.
    pub fn set_state(&mut self, state: f64) {
        if let Outlet0d::Rcr { pc, .. } = self {
            *pc = state;
        }
    }

    /// Sets an RCR's capacitor to its steady value for the flow `q` (m^3/s).
    pub fn settle(&mut self, q: f64) {
        if let Outlet0d::Rcr { rd, pd, pc, .. } = self {
            *pc = *pd + *rd * q;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rcr_relaxes_to_its_steady_pressure_with_time_constant_rd_c() {
        let (rp, c, rd, pd) = (1e7, 1e-9, 1e8, 500.0);
        let mut m = Outlet0d::Rcr { rp, c, rd, pd, pc: pd };
        let q = 2e-6;
        let tau = rd * c;
        // Any step size gives the exact exponential for a constant flow.
        for _ in 0..7 {
            m.advance(q, tau / 7.0);
        }
        let exact = pd + rd * q * (1.0 - (-1.0f64).exp()) + rp * q;
        assert!((m.pressure(0.0, q) - exact).abs() < 1e-9 * exact);
        m.settle(q);
        assert_eq!(m.pressure(0.0, q), pd + (rp + rd) * q);
    }
}
