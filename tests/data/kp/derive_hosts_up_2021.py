#!/usr/bin/env python3
# tests/data/kp/derive_hosts_up_2021.py SUMMARY_CSV SCANS_DIR > kp_hosts_up_2021.csv
# SCANS_DIR is the unpacked R4yGM-NorthKoreaScans-2021.tar.gz (NorthKoreaScans-2021/).
# Derives kp_hosts_up_2021.csv from R4yGM/NorthKoreaScans (2021): for every host
# nmap reported "Host is up" in the complete scans that used host discovery
# (completed=yes, uses_Pn=False, nmap_hosts_up < 100 in kp_scans_2021_summary.csv).
import re,csv,collections,sys
rows={r['file']:r for r in csv.DictReader(open(sys.argv[1]))}
good=sorted(f for f,r in rows.items() if r['completed']=='yes' and r['uses_Pn']=='False' and int(r['nmap_hosts_up'] or 0)<100)
# the DE "entiere" scan appears twice (same content under two names): count it once
# the same DE scan is stored under two names: count each (vantage, start) once
seen=set(); uniq=[]
for f in good:
    k=(rows[f]['vantage_cc'],rows[f]['scan_start_local_to_scanner'])
    if k in seen: continue
    seen.add(k); uniq.append((f,open(sys.argv[2]+'/'+f,errors='replace').read()))
up=collections.Counter(); ports=collections.defaultdict(collections.Counter); dates=collections.defaultdict(set)
for f,txt in uniq:
    d=re.search(r'(\d{4}-\d{2}-\d{2})',f.split('/')[-1])
    d=d.group(1) if d else '2021-%s-%s'%tuple(f.split('/')[1:3])
    for blk in txt.split('Nmap scan report for ')[1:]:
        first=blk.split('\n')[0]
        if '[host down]' in first or 'Host is up' not in blk: continue
        h=first.split()[0]
        up[h]+=1; dates[h].add(d)
        for m in re.finditer(r'^(\d+)/tcp\s+open\s',blk,re.M): ports[h][int(m.group(1))]+=1
w=csv.writer(sys.stdout,lineterminator='\n')
w.writerow(['address','scans_up','scans_complete','first_seen','last_seen','open_tcp_ports_seen_in_at_least_half'])
for h in sorted(up,key=lambda h:tuple(map(int,h.split('.')))):
    pp=sorted(p for p,c in ports[h].items() if c*2>=up[h])
    w.writerow([h,up[h],len(uniq),min(dates[h]),max(dates[h]),' '.join(map(str,pp))])
