#!/usr/bin/env python3
"""Diagnostic: axisymmetry of a hemoflow stenosis run downstream of the throat: the offset of the
jet centroid (u_s^4-weighted) from the axis, the largest transverse velocity, and the axial wall
shear stress (area-weighted, Pa) in 8 azimuthal sectors, per 1 mm of axis.
Usage: symmetry.py OUT.h5"""
import sys, h5py, numpy as np
f=h5py.File(sys.argv[1],'r'); g=f['/grid']; h=float(g.attrs['spacing']); org=np.array(g.attrs['origin'])
kind=g['cell_kind'][:]
c=f['/grid/caps/inlet']; c0=np.array(c.attrs['centroid']); ax=-np.array(c.attrs['normal']); ax/=np.linalg.norm(ax)
snap=sorted(f['/fields'].keys())[-1]; u=f[f'/fields/{snap}/velocity'][:]
k,j,i=np.nonzero(kind>0); x=org+(np.stack([i,j,k],1)+.5)*h; d=x-c0; s=d@ax; rv=d-s[:,None]*ax; r=np.linalg.norm(rv,axis=1)
U=u[k,j,i]; us=U@ax; ut=U-us[:,None]*ax
# wall: azimuthal sectors
V=f['/wall/vertices'][:]; T=f['/wall/triangles'][:]; cen=V[T].mean(1); A=0.5*np.linalg.norm(np.cross(V[T[:,1]]-V[T[:,0]],V[T[:,2]]-V[T[:,0]]),axis=1)
w=f[f'/fields/{snap}/wss'][:]; sw=(cen-c0)@ax; rw=(cen-c0)-sw[:,None]*ax
e1=np.cross(ax,[1,0,0]); 
if np.linalg.norm(e1)<0.1: e1=np.cross(ax,[0,1,0])
e1/=np.linalg.norm(e1); e2=np.cross(ax,e1)
phi=np.arctan2(rw@e2, rw@e1); sec=((phi+np.pi)/(2*np.pi)*8).astype(int)%8
wa=w@ax
print('s_mm  jet_offset_mm  max|u_transverse|  wss_ax per 8 sectors')
for sc in np.arange(13.5,24,1.0):
    m=(s>=(sc-.5)*1e-3)&(s<(sc+.5)*1e-3)&(us>0)
    wt=us[m]**4; cx=(rv[m]*wt[:,None]).sum(0)/wt.sum()
    mw=(sw>=(sc-.5)*1e-3)&(sw<(sc+.5)*1e-3)
    secs=[np.sum(wa[mw&(sec==q)]*A[mw&(sec==q)])/A[mw&(sec==q)].sum() for q in range(8)]
    print(f'{sc:5.1f} {np.linalg.norm(cx)*1e3:7.4f} {np.linalg.norm(ut[m],axis=1).max():7.4f}  '+' '.join(f'{v:6.2f}' for v in secs))
